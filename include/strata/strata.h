// The whole public API of strata in one include: the key-value API (kv.h), tuples and subspaces,
// the directory layer, every layer under layers/, and the library version. Declares nothing of
// its own. Include the narrower headers instead to keep build times down; this one is for
// programs that use many layers and for quick experiments.
//
// Not included: strata/testing/ (matchers for tests; they need GoogleTest).
#pragma once

#include "strata/directory.h"
#include "strata/dump.h"
#include "strata/kv.h"
#include "strata/kv/admin.h"
#include "strata/kv/scan.h"
#include "strata/kv/stats.h"
#include "strata/layers/blob.h"
#include "strata/layers/bulk_import.h"
#include "strata/layers/counter.h"
#include "strata/layers/doc.h"
#include "strata/layers/doc_plugin.h"
#include "strata/layers/expiry.h"
#include "strata/layers/intern.h"
#include "strata/layers/priority_queue.h"
#include "strata/layers/pubsub.h"
#include "strata/layers/queue.h"
#include "strata/layers/spatial.h"
#include "strata/layers/vector.h"
#include "strata/layers/work_queue.h"
#include "strata/subspace.h"
#include "strata/tuple.h"
#include "strata/tuple_json.h"
#include "strata/version.h"
