// A fixture for scripts/check_log_events.py: every line below breaks the naming rule.
void f() {
  const char* id = "d-1";
  Log::info("store.row_written", {{"rows", 1}});
  Log::warning("store.row-failed", {{"delivery", id}, {"durationMs", 3}});
}
