#!/usr/bin/env bash
# Install modelci from this source tree into a private venv and put `modelci` on the PATH.
#
# Run by the root action.yml and by every actions/<name>/action.yml (which cannot `uses: ./` a
# sibling action), so there is one copy of this logic. Inputs arrive only as environment
# variables, never as workflow expressions:
#
#   MODELCI_PYTHON          interpreter name or path for the venv (default: python3)
#   MODELCI_EXTRAS          comma-separated extras of modelci, e.g. "xgboost,onnx" or "parquet"
#                           (default: none)
#   MODELCI_PACKAGES        more requirement specifiers installed into the same venv, one per
#                           line or space-separated: a training script's dependencies, or the
#                           user's own package as a local path ("./my_models"; its files' hash
#                           is part of the venv's key, so an edit reinstalls it)
#   MODELCI_SETUP_IF_MISSING  "true": do nothing when a `modelci` of this version is already on
#                           the PATH and its venv has every extra and package asked for (what
#                           the sub-actions set; the root action always installs); when it lacks
#                           some, install a venv with both its own and the asked-for ones
#   MODELCI_CACHE_DIR       where venvs live (default: ${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/modelci)
#   MODELCI_INSTALLER       "pip" to skip uv (default: uv on the PATH, else uv from PyPI, else pip)
#
# The venv is reused when its stamp file records the same modelci version, source tree hash,
# extras, packages and interpreter. Only a directory holding a `modelci` symlink goes on
# $GITHUB_PATH, so the caller's `python` and `pip` stay theirs. Outputs (`version`, `python`,
# `bin-dir`) go to $GITHUB_OUTPUT when it is set; outside Actions they are printed.
set -euo pipefail

log() { printf 'modelci setup: %s\n' "$*" >&2; }
fail() {
  printf '::error title=modelci setup::%s\n' "$*"
  exit 2
}

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
init_py="${source_dir}/scripts/modelci/__init__.py"
[[ -f "${init_py}" && -f "${source_dir}/pyproject.toml" ]] ||
  fail "modelci source not found at ${source_dir} (expected pyproject.toml and scripts/modelci/)"
version=$(sed -n 's/^__version__ = "\([^"]*\)".*/\1/p' "${init_py}")
[[ -n "${version}" ]] || fail "cannot read __version__ from ${init_py}"

set_outputs() { # name=value pairs; values here are paths and versions, never multi-line
  local pair
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    for pair in "$@"; do printf '%s\n' "${pair}" >>"${GITHUB_OUTPUT}"; done
  else
    for pair in "$@"; do printf '%s\n' "${pair}"; done
  fi
}

if [[ "${RUNNER_OS:-}" == "Windows" ]]; then
  fail "Windows runners are not supported yet: run modelci on a Linux or macOS runner"
fi

# -- what to install --------------------------------------------------------------------------
# Extras: sorted and deduplicated, so "onnx,xgboost" and "xgboost, onnx" share a venv.
extras=$(printf '%s' "${MODELCI_EXTRAS:-}" | tr -d '[:space:]')
[[ "${extras}" =~ ^[A-Za-z0-9_.,-]*$ ]] ||
  fail "extras must be comma-separated names like 'xgboost' or 'parquet', got '${MODELCI_EXTRAS}'"
extras=$(printf '%s' "${extras}" | tr ',' '\n' | sed '/^$/d' | LC_ALL=C sort -u | paste -sd, -)
packages=()
if [[ -n "${MODELCI_PACKAGES:-}" ]]; then
  read -r -d '' -a packages <<<"${MODELCI_PACKAGES}" || true
fi
local_path='^(\.|/|[^=<>!~@;]*/)' # starts with . or /, or has a / before any version operator
for index in "${!packages[@]}"; do
  package=${packages[index]}
  [[ "${package}" != -* ]] ||
    fail "packages lists requirement specifiers only, got the option '${package}'"
  # A local path (./pkg, ../x.whl, /abs/pkg, sub/dir): absolute, so every step means the same
  # folder whatever its working directory.
  if [[ "${package}" != *://* && "${package}" =~ ${local_path} ]]; then
    [[ -e "${package}" ]] ||
      fail "packages names the local path '${package}', which does not exist (from $(pwd -P))"
    if [[ -d "${package}" ]]; then
      packages[index]=$(cd "${package}" && pwd -P)
    else
      packages[index]=$(cd "$(dirname "${package}")" && printf '%s/%s' "$(pwd -P)" "$(basename "${package}")")
    fi
  fi
done

# -- already there? ---------------------------------------------------------------------------
# contains LIST ITEM: whether the space-separated LIST has ITEM.
contains() { [[ " $1 " == *" $2 "* ]]; }
if [[ "${MODELCI_SETUP_IF_MISSING:-false}" == "true" ]] && command -v modelci >/dev/null 2>&1; then
  present=$(modelci --version 2>/dev/null || true)
  if [[ "${present}" == "modelci ${version}" ]]; then
    entry=$(readlink -f "$(command -v modelci)")
    python_path="$(dirname "${entry}")/python"
    [[ -x "${python_path}" ]] || python_path=$(sed -n '1s/^#![[:space:]]*//p' "${entry}")
    # What that venv has (its stamp; none for a modelci installed otherwise).
    present_stamp="$(dirname "$(dirname "${entry}")")/.modelci-stamp"
    have_extras="" have_packages="" have_python=""
    if [[ -f "${present_stamp}" ]]; then
      have_extras=$(sed -n 's/^extras=//p' "${present_stamp}" | tr ',' ' ')
      have_packages=$(sed -n 's/^packages=//p' "${present_stamp}")
      have_python=$(sed -n 's/^python=\(.*\) [^ ]*$/\1/p' "${present_stamp}")
    fi
    lacking=()
    for extra in ${extras//,/ }; do
      contains "${have_extras}" "${extra}" || lacking+=("modelci[${extra}]")
    done
    for package in ${packages[@]+"${packages[@]}"}; do
      contains "${have_packages}" "${package}" || lacking+=("${package}")
    done
    if ((${#lacking[@]} == 0)); then
      log "modelci ${version} is already on the PATH (${entry})"
      set_outputs "version=${version}" "python=${python_path}" "bin-dir=$(dirname "$(command -v modelci)")"
      exit 0
    fi
    # A venv with the present one's extras and packages and the asked-for ones, so the steps
    # after this one lose nothing.
    log "modelci ${version} on the PATH lacks ${lacking[*]}: installing a venv that has them"
    extras=$(printf '%s,%s' "${extras}" "${have_extras// /,}" | tr ',' '\n' | sed '/^$/d' |
      LC_ALL=C sort -u | paste -sd, -)
    for package in ${have_packages}; do
      contains "${packages[*]:-}" "${package}" || packages+=("${package}")
    done
    # and the present venv's interpreter (actions/setup-python's, say), not whatever python3 is
    [[ -n "${MODELCI_PYTHON:-}" || -z "${have_python}" ]] || MODELCI_PYTHON=${have_python}
  else
    log "found '${present:-an unknown modelci}' on the PATH, installing modelci ${version} beside it"
  fi
fi

# -- the interpreter --------------------------------------------------------------------------
requested="${MODELCI_PYTHON:-python3}"
python_bin=$(command -v "${requested}" 2>/dev/null) ||
  fail "python '${requested}' not found: set the action's 'python' input to an interpreter path or name, or run actions/setup-python first"
python_facts=$("${python_bin}" -c 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3]); print(int(sys.version_info >= (3, 10)))') ||
  fail "'${python_bin}' did not run as a Python interpreter"
{
  read -r python_exe
  read -r python_version
  read -r python_ok
} <<<"${python_facts}"
[[ "${python_ok}" == "1" ]] ||
  fail "modelci needs Python >= 3.10, '${python_bin}' is ${python_version}: pass a newer one in the 'python' input"

hash_stdin() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-64
}
# The tree's content, not only its version: a branch of the action with the same version string
# must not reuse a venv built from other code.
source_hash=$(cd "${source_dir}" &&
  find pyproject.toml scripts/modelci -type f \( -name '*.py' -o -name '*.json' -o -name '*.toml' -o -name 'py.typed' \) \
    -not -path '*/__pycache__/*' | LC_ALL=C sort | while IFS= read -r file; do
    printf '%s\n' "${file}"
    cat "${file}"
  done | hash_stdin)
# The content of local-path packages too: an edit to the user's own package makes a new venv.
local_hash=$(for package in ${packages[@]+"${packages[@]}"}; do
  [[ "${package}" == /* ]] || continue
  printf '%s\n' "${package}"
  if [[ -d "${package}" ]]; then
    (cd "${package}" && find . -type f -not -path '*/.git/*' -not -path '*/__pycache__/*' \
      -not -path './build/*' -not -path '*.egg-info/*' | LC_ALL=C sort | while IFS= read -r file; do
      printf '%s\n' "${file}"
      cat "${file}"
    done)
  else
    cat "${package}"
  fi
done | hash_stdin)
stamp_text=$(printf 'modelci=%s\nsource=%s\nextras=%s\npackages=%s\nlocal=%s\npython=%s %s\n' \
  "${version}" "${source_hash}" "${extras}" "${packages[*]:-}" "${local_hash}" "${python_exe}" \
  "${python_version}")
key=$(printf '%s' "${stamp_text}" | hash_stdin | cut -c1-12)

cache_root="${MODELCI_CACHE_DIR:-${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}/modelci}"
venv="${cache_root}/${version}-${key}"
stamp="${venv}/.modelci-stamp"
shim="${venv}/modelci-bin"
mkdir -p "${cache_root}"

install_venv() {
  local uv="" requirement
  # Build from a copy: setuptools writes build/ and *.egg-info beside the sources, which would
  # dirty the caller's checkout (uses: ./) and can carry deleted modules into the next wheel.
  build=$(mktemp -d "${cache_root}/build.XXXXXX") # global: the EXIT trap outlives this function
  trap 'rm -rf "${build}"' EXIT
  cp "${source_dir}/pyproject.toml" "${source_dir}/README.md" "${build}/"
  mkdir "${build}/scripts"
  cp -R "${source_dir}/scripts/modelci" "${build}/scripts/"
  find "${build}" -name __pycache__ -prune -exec rm -rf {} +
  requirement="${build}"
  [[ -z "${extras}" ]] || requirement="${build}[${extras}]"
  # Local folders are built from copies too, at a new path each time: uv's cache would
  # otherwise serve the wheel it built from an earlier state of the folder.
  local -a wanted=()
  local package
  for package in ${packages[@]+"${packages[@]}"}; do
    if [[ -d "${package}" ]]; then
      mkdir "${build}/local-${#wanted[@]}"
      cp -R "${package}/." "${build}/local-${#wanted[@]}/"
      rm -rf "${build}/local-${#wanted[@]}/build" "${build}/local-${#wanted[@]}/.git"
      package="${build}/local-${#wanted[@]}"
    fi
    wanted+=("${package}")
  done
  export UV_PYTHON_DOWNLOADS=never PIP_DISABLE_PIP_VERSION_CHECK=1
  if [[ "${MODELCI_INSTALLER:-}" == "pip" ]]; then
    log "MODELCI_INSTALLER=pip: not using uv"
  elif command -v uv >/dev/null 2>&1; then
    uv=$(command -v uv)
  else
    # uv resolves and installs scikit-learn's stack several times faster than pip; it comes
    # from PyPI into a tools venv of its own, and plain pip is the fallback when that fails.
    local tools
    tools="${cache_root}/tools-$(printf '%s' "${python_exe}" | hash_stdin | cut -c1-12)"
    if [[ -x "${tools}/bin/uv" ]] ||
      { "${python_exe}" -m venv "${tools}" >/dev/null 2>&1 &&
        "${tools}/bin/python" -m pip install --quiet uv >&2; }; then
      uv="${tools}/bin/uv"
    else
      log "could not install uv, using venv + pip"
    fi
  fi
  rm -rf "${venv}"
  if [[ -n "${uv}" ]]; then
    log "installing modelci ${version} with uv into ${venv}"
    "${uv}" venv --quiet --python "${python_exe}" "${venv}" >&2
    # Bytecode now, once, into the cached venv: otherwise every process of every job compiles
    # scikit-learn, pandas and scipy again where nothing may write it (PYTHONDONTWRITEBYTECODE),
    # ~3 s per `modelci` call (pip compiles by default).
    "${uv}" pip install --quiet --compile-bytecode --python "${venv}/bin/python" "${requirement}" ${wanted[@]+"${wanted[@]}"} >&2
  else
    log "installing modelci ${version} with pip into ${venv}"
    "${python_exe}" -m venv "${venv}" >&2
    "${venv}/bin/python" -m pip install --quiet "${requirement}" ${wanted[@]+"${wanted[@]}"} >&2
  fi
  mkdir -p "${shim}"
  ln -sf ../bin/modelci "${shim}/modelci"
  "${shim}/modelci" --version >/dev/null
  printf '%s\n' "${stamp_text}" >"${stamp}" # last: a stamp means a complete venv
}

(
  set -E
  trap 'fail "installing modelci into ${venv} failed (see the lines above)"' ERR
  # Jobs sharing a self-hosted runner's tool cache take turns; flock is absent on macOS, where
  # runners run one job at a time anyway.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"${venv}.lock"
    flock 9
  fi
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${stamp_text}" && -x "${shim}/modelci" ]]; then
    log "reusing ${venv}"
  else
    install_venv
  fi
)

if [[ -n "${GITHUB_PATH:-}" ]]; then
  printf '%s\n' "${shim}" >>"${GITHUB_PATH}"
else
  log "add ${shim} to PATH to use this modelci"
fi
set_outputs "version=${version}" "python=${venv}/bin/python" "bin-dir=${shim}"
