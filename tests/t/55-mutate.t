#!/bin/sh
# a bounded subset of the mutant catalogue (tests/mutate, tests/mutants.py): each must be killed
cd "$(dirname "$0")/../.." || exit 1
exec tests/mutate --tap --subset "${MUTATE_SUBSET:-12}"
