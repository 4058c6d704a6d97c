# Sourced by scripts/test and scripts/run-example: make a virtual environment with everything.
# usage: bootstrap_venv DIR PYTHON DJANGO_SPEC
bootstrap_venv() {
  local dir=$1 python=$2 django=$3 stamp
  stamp="$dir/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${django//[^0-9A-Za-z.]/_}"
  if [[ -f $stamp ]]; then return 0; fi
  echo "==> setting up $dir ($($python --version 2>&1), $django)"
  [[ -x $dir/bin/python ]] || "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]" "$django"
  touch "$stamp"
}
