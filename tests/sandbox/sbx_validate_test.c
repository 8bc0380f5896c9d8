/* sbx_validate_test: unit tests of the sandbox's schema validation
 * (sandbox/sbx_validate.c) against schema_small.json — every kind, nested paths,
 * defaults, create-only handling and the ISO-8601 parser's edges — without a
 * server. Usage: sbx_validate_test SCHEMA.json */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

static int failures;

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  if (buf) buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Validates BODY as TARGET; EXPECT is the message ("" = must pass). AFTER, if
 * given, is the body expected after validation (defaults filled, fields dropped). */
static void check(const hm_sbx_schema *s, const char *target, hm_sbx_mode mode, int refuse,
                  const char *body, const char *expect, const char *after) {
  cJSON *b = cJSON_Parse(body);
  char msg[512], field[256];
  int rc = hm_sbx_validate(s, target, b, mode, refuse, msg, sizeof msg, field, sizeof field);
  if ((rc == 0) != (expect[0] == '\0') || strcmp(msg, expect) != 0) {
    fprintf(stderr, "FAIL %s %s: got \"%s\", expected \"%s\"\n", target, body, msg, expect);
    failures++;
  }
  if (after) {
    char *got = cJSON_PrintUnformatted(b);
    if (!got || strcmp(got, after) != 0) {
      fprintf(stderr, "FAIL %s %s: body became %s, expected %s\n", target, body, got, after);
      failures++;
    }
    free(got);
  }
  cJSON_Delete(b);
}

static void datetime(const char *s, int want) {
  if (hm_sbx_is_datetime(s) != want) {
    fprintf(stderr, "FAIL datetime \"%s\": expected %d\n", s, want);
    failures++;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: sbx_validate_test SCHEMA.json\n"); return 2; }
  char *text = slurp(argv[1]), err[256];
  hm_sbx_schema *s = text ? hm_sbx_schema_parse(text, err, sizeof err) : NULL;
  free(text);
  if (!s) { fprintf(stderr, "cannot load %s\n", argv[1]); return 2; }
  const hm_sbx_mode C = HM_SBX_CREATE, U = HM_SBX_UPDATE;

  /* defaults are filled on create, in schema order, nested objects included */
  check(s, "Ticket", C, 1, "{\"messages\":[{\"channel\":\"api\",\"from_agent\":false}]}", "",
        "{\"messages\":[{\"channel\":\"api\",\"from_agent\":false}],\"status\":\"open\","
        "\"priority\":\"normal\"}");
  check(s, "Ticket", U, 1, "{\"subject\":\"x\"}", "", "{\"subject\":\"x\"}");
  /* required, null, unknown */
  check(s, "Ticket", C, 1, "{}", "messages: is required.", NULL);
  check(s, "Ticket", C, 1, "{\"messages\":null}", "messages: must not be null.", NULL);
  check(s, "Ticket", U, 1, "{\"subject\":null}", "", NULL);
  check(s, "Ticket", C, 1, "{\"foo\":1,\"messages\":[]}", "foo: unknown field.", NULL);
  check(s, "Customer", C, 1, "{\"email\":\"a@x\",\"name\":\"n\",\"email\":\"b@x\"}",
        "email: appears more than once.", NULL);
  /* lists and nested paths */
  check(s, "Ticket", C, 1, "{\"messages\":{}}", "messages: must be a list.", NULL);
  check(s, "Ticket", C, 1,
        "{\"messages\":[{\"channel\":\"api\",\"from_agent\":false},{\"channel\":\"api\",\"from_"
        "agent\":\"no\"}]}",
        "messages[1].from_agent: must be a boolean.", NULL);
  check(s, "Ticket", C, 1,
        "{\"messages\":[{\"channel\":\"api\",\"from_agent\":true,\"attachments\":[{\"url\":\"u\","
        "\"name\":\"n\"}]}]}",
        "messages[0].attachments[0].content_type: is required.", NULL);
  check(s, "Ticket", C, 1, "{\"messages\":[7]}", "messages[0]: must be an object.", NULL);
  check(s, "Ticket", C, 1,
        "{\"tags\":[\"a\",2],\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
        "tags[1]: must be a string.", NULL);
  /* enums: closed and open */
  check(s, "Ticket", C, 1,
        "{\"status\":\"new\",\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
        "status: \"new\" is not one of: open, closed.", NULL);
  check(s, "Ticket", C, 1,
        "{\"status\":1,\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
        "status: must be one of: open, closed.", NULL);
  check(s, "Ticket", C, 1,
        "{\"channel\":\"my-app\",\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}", "",
        NULL);
  /* strings count characters, not bytes */
  check(s, "Customer", C, 1, "{\"language\":\"\xc3\xa9\xc3\xa9\"}", "", NULL);
  check(s, "Customer", C, 1, "{\"language\":\"fra\"}",
        "language: must be at most 2 characters long.", NULL);
  check(s, "Customer", C, 1, "{\"meta\":[]}", "meta: must be an object.", NULL);
  /* numbers */
  check(s, "CustomField", C, 1,
        "{\"object_type\":\"Ticket\",\"label\":\"l\",\"definition\":{},\"priority\":1.5}",
        "priority: must be an integer.", NULL);
  check(s, "CustomField", C, 1,
        "{\"object_type\":\"Ticket\",\"label\":\"l\",\"definition\":{},\"priority\":-1}",
        "priority: must be at least 0.", NULL);
  check(s, "CustomField", C, 1,
        "{\"object_type\":\"Ticket\",\"label\":\"l\",\"definition\":{},\"priority\":6000}",
        "priority: must be at most 5000.", NULL);
  check(s, "CustomField", C, 1,
        "{\"object_type\":\"Ticket\",\"label\":\"l\",\"definition\":{},\"priority\":1e300}",
        "priority: must be an integer.", NULL);
  /* refs */
  check(s, "SatisfactionSurvey", C, 1, "{\"ticket_id\":{\"id\":3},\"customer_id\":4}", "", NULL);
  check(s, "SatisfactionSurvey", C, 1, "{\"ticket_id\":\"3\",\"customer_id\":4}",
        "ticket_id: must be an id or an object with an id.", NULL);
  check(s, "SatisfactionSurvey", C, 1, "{\"ticket_id\":1e300,\"customer_id\":4}",
        "ticket_id: must be an id or an object with an id.", NULL);
  check(s, "SatisfactionSurvey", C, 1, "{\"ticket_id\":{\"id\":1.5},\"customer_id\":4}",
        "ticket_id: id must be an integer.", NULL);
  check(
      s, "Ticket", C, 1,
      "{\"customer\":{\"email\":\"a@b\"},\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
      "", NULL);
  check(s, "Ticket", C, 1,
        "{\"customer\":{\"phone\":\"1\"},\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
        "customer: must be an object with an id, email or name.", NULL);
  check(s, "Ticket", C, 1,
        "{\"customer\":5,\"messages\":[{\"channel\":\"api\",\"from_agent\":true}]}",
        "customer: must be an object with an id, email or name.", NULL);
  check(s, "Team", C, 1, "{\"name\":\"t\",\"members\":[{\"id\":1},2]}",
        "members[1]: must be an object with an id.", NULL);
  check(s, "Ticket", C, 1,
        "{\"custom_fields\":[{\"id\":3,\"value\":\"x\"}],\"messages\":[{\"channel\":\"api\",\"from_"
        "agent\":true,\"ticket_id\":4}]}",
        "", NULL);
  check(s, "Ticket", U, 1, "{\"assignee_user\":{\"id\":null}}", "", NULL);
  /* create-only on update: refused, or dropped */
  check(s, "Ticket", U, 1, "{\"created_datetime\":\"2021-01-01T00:00:00Z\"}",
        "created_datetime: cannot be changed after creation.", NULL);
  check(s, "Ticket", U, 0, "{\"created_datetime\":\"2021-01-01T00:00:00Z\",\"subject\":\"s\"}", "",
        "{\"subject\":\"s\"}");
  check(s, "Ticket", U, 1, "{\"created_datetime\":\"yesterday\"}",
        "created_datetime: cannot be changed after creation.", NULL);
  check(s, "Ticket", C, 1,
        "{\"created_datetime\":\"yesterday\",\"messages\":[{\"channel\":\"api\",\"from_agent\":"
        "true}]}",
        "created_datetime: must be an ISO-8601 datetime.", NULL);
  /* bodies and targets */
  check(s, "Ticket", C, 1, "[]", "The request body must be a JSON object.", NULL);
  check(s, "NoSuchTarget", C, 1, "{\"x\":1}", "", NULL);
  if (hm_sbx_validate(NULL, "Ticket", NULL, C, 1, err, sizeof err, err, sizeof err) != 0) {
    fprintf(stderr, "FAIL no schema must pass\n");
    failures++;
  }

  datetime("2021-03-01T10:00:00Z", 1);
  datetime("2021-03-01T10:00:00", 1);
  datetime("2021-03-01 10:00:00.123456+00:00", 1);
  datetime("2021-03-01T10:00:00.468912+0000", 1);
  datetime("2021-03-01T10:00+02", 1);
  datetime("2021-03-01T10:00:00-05:30", 1);
  datetime("2021-03-01", 0);
  datetime("2021-13-01T10:00:00Z", 0);
  datetime("2021-03-01T24:00:00Z", 0);
  datetime("2021-03-01T10:00:00.Z", 0);
  datetime("2021-03-01T10:00:00Zjunk", 0);
  datetime("2021-03-01T10:00:00+5", 0);
  datetime("March 1st 2021, 10:00", 0);
  datetime("", 0);

  /* a schema that is not one */
  hm_sbx_schema *bad = hm_sbx_schema_parse("{\"targets\":[{\"name\":1}]}", err, sizeof err);
  if (bad || strcmp(err, "schema: every target needs a \"name\" and a \"fields\" array") != 0) {
    fprintf(stderr, "FAIL bad schema: %s\n", err);
    failures++;
  }
  bad = hm_sbx_schema_parse("not json", err, sizeof err);
  if (bad || strcmp(err, "schema: expected a JSON object with a \"targets\" array") != 0) {
    fprintf(stderr, "FAIL not json: %s\n", err);
    failures++;
  }
  hm_sbx_schema_free(s);
  if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
  puts("ok");
  return 0;
}
