/* The C API, compiled as C: a C control loop's view of the emitter. */

#include <rover_alerts/rover_alerts.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

int main(void) {
  /* A listener standing in for the relay: the emitter must connect and say hello. */
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(listener, (struct sockaddr*)&addr, sizeof addr) == 0);
  CHECK(listen(listener, 1) == 0);
  socklen_t len = sizeof addr;
  getsockname(listener, (struct sockaddr*)&addr, &len);
  fcntl(listener, F_SETFL, O_NONBLOCK);

  rover_alerts_config config;
  rover_alerts_config_init(&config);
  CHECK(!config.precise_timestamps);  /* the tick clock by default, as in C++ */
  config.precise_timestamps = true;
  config.rover_id = "rover-c";
  config.relay_port = ntohs(addr.sin_port);
  config.reconnect_initial_ms = 5;
  config.reconnect_max_ms = 20;

  rover_alerts_emitter* emitter = NULL;
  CHECK(rover_alerts_raise(emitter, NULL) == ROVER_ALERTS_NOT_INITIALIZED);
  rover_alerts_config bad = config;
  bad.staging_capacity = 3;
  CHECK(rover_alerts_init(&emitter, &bad) == ROVER_ALERTS_INVALID_ARGUMENT);
  CHECK(emitter == NULL);
  CHECK(rover_alerts_init(&emitter, &config) == ROVER_ALERTS_OK);
  CHECK(emitter != NULL);

  const rover_alerts_kv meta[] = {{"motor", "left-rear"}, {"temperatureC", "92"}};
  const rover_alerts_kv param = {"reason", "low_battery"};
  const rover_alerts_action action = {"Return to Base", "navigation.return_to_base", &param, 1};
  rover_alerts_alert alert;
  rover_alerts_alert_init(&alert);
  CHECK(alert.closable);
  alert.key = "drive/overtemp";
  alert.priority = ROVER_ALERTS_MEDIUM;
  alert.source = "drive-system";
  alert.title = "Motor Over-Temperature";
  alert.message = "Left rear drive motor at 92 \xC2\xB0" "C";
  alert.metadata = meta;
  alert.metadata_count = 2;
  alert.action = &action;
  alert.group_id = "drive-thermal";
  CHECK(rover_alerts_raise(emitter, &alert) == ROVER_ALERTS_OK);
  CHECK(rover_alerts_update(emitter, &alert) == ROVER_ALERTS_OK);

  /* Over-bound: accepted, cut at a UTF-8 boundary, counted. */
  char long_title[400];
  memset(long_title, 'x', sizeof long_title - 1);
  long_title[sizeof long_title - 1] = '\0';
  alert.title = long_title;
  CHECK(rover_alerts_raise(emitter, &alert) == ROVER_ALERTS_TRUNCATED);

  rover_alerts_alert empty;
  rover_alerts_alert_init(&empty);
  CHECK(rover_alerts_raise(emitter, &empty) == ROVER_ALERTS_INVALID_ARGUMENT);
  CHECK(rover_alerts_clear(emitter, "drive/overtemp") == ROVER_ALERTS_OK);
  CHECK(rover_alerts_clear(emitter, NULL) == ROVER_ALERTS_INVALID_ARGUMENT);

  rover_alerts_counters counters;
  rover_alerts_get_counters(emitter, &counters);
  CHECK(counters.accepted == 4);
  CHECK(counters.truncated_fields == 1);

  /* The link: a connection arrives and its first frame is a link frame ("RVAL"). */
  int conn = -1;
  unsigned char buf[256];
  size_t got = 0;
  for (int i = 0; i < 2000 && got < 12; ++i) {
    rover_alerts_poll(emitter, 2);
    if (conn < 0) conn = accept(listener, NULL, NULL);
    if (conn >= 0) {
      struct pollfd p = {conn, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        ssize_t n = recv(conn, buf + got, sizeof buf - got, 0);
        if (n > 0) got += (size_t)n;
      }
    }
  }
  CHECK(got >= 12);
  CHECK(memcmp(buf + 8, "RVAL", 4) == 0);
  rover_alerts_get_counters(emitter, &counters);
  CHECK(counters.connects == 1);
  CHECK(!rover_alerts_drained(emitter)); /* no hello reply: nothing acknowledged */
  CHECK(strcmp(rover_alerts_status_string(ROVER_ALERTS_QUEUE_FULL), "queue full") == 0);

  rover_alerts_destroy(emitter);
  if (conn >= 0) close(conn);
  close(listener);
  if (failures == 0) printf("c_api_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
