# Sourced by the scripts that run tests against a server (tests/web/run_with_server.sh,
# run_with_mock.sh, tests/wasm/web_tests_static.sh):
#   start_server CMD [ARG...]   starts CMD, a server that prints its URL once it listens, and sets
#                               $url to it; the server is stopped when the script exits
#   stop_server                 stops it sooner
start_server() {
  coproc SERVER { exec "$@"; }
  server_pid=$SERVER_PID
  trap stop_server EXIT
  # The server prints its URL once it is listening; reading that line is the synchronisation.
  local line
  read -r -t 30 line <&"${SERVER[0]}"
  url=$(grep -o 'http://[^ ]*' <<<"$line")
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
