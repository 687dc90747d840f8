#!/bin/sh
# the whole mutant catalogue (tests/mutate, tests/mutants.py): every mutant must be killed
cd "$(dirname "$0")/../.." || exit 1
exec tests/mutate --tap ${MUTATE_SUBSET:+--subset "$MUTATE_SUBSET"}
