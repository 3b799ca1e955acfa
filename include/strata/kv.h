// The key-value API: include this to get Database, Transaction, KeySelector, Future and Error.
#pragma once

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/future.h"
#include "strata/kv/key_selector.h"
#include "strata/kv/mutation.h"
#include "strata/kv/options.h"
#include "strata/kv/range.h"
#include "strata/kv/transaction.h"
