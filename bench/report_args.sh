# shellcheck shell=bash
# bench/report_args.sh, sourced by the bench scripts that write one section
# of bench/RESULTS.md: report_args HELP_LAST_LINE "$@" sets WRITE_RESULTS
# (0 with --no-results); --help prints the script's header comment (lines
# 2..HELP_LAST_LINE); anything else is a usage error.
report_args() {
  local last=$1
  shift
  WRITE_RESULTS=1
  case "${1:-}" in
    --no-results) WRITE_RESULTS=0 ;;
    -h | --help) sed -n "2,${last}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "usage: $0 [--no-results]" >&2; exit 2 ;;
  esac
}
