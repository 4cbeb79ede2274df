# shellcheck shell=bash
# Helpers sourced by the `run:` steps of actions/*/action.yml (bash). Inputs reach those steps
# only as environment variables; these functions turn them into outputs.

# set_output NAME VALUE: append a step output; a random heredoc delimiter keeps multi-line
# values (JSON) intact and stops a value from ending the block early. Printed outside Actions.
set_output() {
  local name=$1 value=$2 delimiter
  delimiter="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s<<%s\n%s\n%s\n' "${name}" "${delimiter}" "${value}" "${delimiter}" >>"${GITHUB_OUTPUT:-/dev/stdout}"
}

# absolute_dir DIR: the absolute path of an existing directory.
absolute_dir() {
  (cd "$1" && pwd -P)
}

# fail MESSAGE: an error annotation, then exit 2 (modelci's "input error").
fail() {
  printf '::error title=modelci::%s\n' "$*"
  exit 2
}

# report_failed_gates FAIL_ON_REGRESSION FAILED_GATES: after a failed verdict (a comparison's, or
# a first pull request's absolute gates), an error annotation and exit 1, or with
# fail-on-regression false a warning and success.
report_failed_gates() {
  if [[ "$1" == "true" ]]; then
    printf '::error title=modelci::quality gate failed: %s\n' "$2"
    exit 1
  fi
  printf '::warning title=modelci::quality gate failed: %s (fail-on-regression is false)\n' "$2"
}

# require_modelci: the setup step must have put modelci on the PATH.
require_modelci() {
  command -v modelci >/dev/null 2>&1 || fail "modelci is not on the PATH: the setup step did not run"
}

# use_modelci_venv PYTHON: put the bin directory of modelci's venv (PYTHON's) first on this
# step's PATH, so a `train.command` such as `python train.py` runs with the packages the setup
# installed there (modelci's dependencies, the extras, `packages`). Only for this step: the
# job's own `python` stays the caller's everywhere else.
use_modelci_venv() {
  local bin
  bin=$(dirname "$1")
  [[ -f "${bin}/../pyvenv.cfg" ]] || return 0 # a modelci installed otherwise: its PATH as it is
  PATH="${bin}:${PATH}"
  VIRTUAL_ENV=$(cd "${bin}/.." && pwd -P)
  export PATH VIRTUAL_ENV
}

# GitHub runs `shell: bash` steps with -e and pipefail; the same when run by hand.
set -eo pipefail
