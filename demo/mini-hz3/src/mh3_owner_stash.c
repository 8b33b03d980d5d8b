// mh3_owner_stash.c — translation unit of the owner-stash pop. The function itself lives in
// mh3_owner_stash_pop.inc (and the walk bodies it includes), as in the allocator this demo imitates.
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "mh3_config.h"
#include "mh3_internal.h"
#include "mh3_inline.h"

#include "mh3_owner_stash_pop.inc"
