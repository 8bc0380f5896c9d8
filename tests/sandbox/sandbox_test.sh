#!/bin/bash
# sandbox_test.sh SECTION: end-to-end tests of hmap-sandbox, one ctest per section.
# Each section starts the real binary, talks HTTP to it with curl and checks exact
# statuses, bodies and error messages. Needs SBX, SCHEMA (and LOADGEN) in the env.
. "$(dirname "$0")/lib.sh"

t_cli() {
  "$SBX" --help >"$TMP/help"; [ $? = 0 ] || fail "--help exit"
  grep -q -- "--faults SPEC" "$TMP/help" || fail "--help does not document --faults"
  grep -q "drop-after" "$TMP/help" || fail "--help does not document drop-after"
  for o in --help-center-port --help-center-token-ttl --setting --anonymous-sender "EMAIL:KEY\[:ROLE\]"; do
    grep -q -- "$o" "$TMP/help" || fail "--help does not document $o"
  done
  "$SBX" --help-center-port 70000 2>"$TMP/e"; [ $? = 2 ] || fail "bad --help-center-port must exit 2"
  "$SBX" --help-center-token-ttl 0 2>"$TMP/e"; [ $? = 2 ] || fail "bad --help-center-token-ttl must exit 2"
  "$SBX" --bogus 1 2>"$TMP/e"; [ $? = 2 ] || fail "unknown option must exit 2"
  grep -q "unknown option: --bogus" "$TMP/e" || fail "unknown option message: $(cat "$TMP/e")"
  "$SBX" --faults "boom:0.1" 2>"$TMP/e"; [ $? = 2 ] || fail "bad faults must exit 2"
  grep -q 'fault "boom": unknown kind' "$TMP/e" || fail "bad faults message: $(cat "$TMP/e")"
  "$SBX" --faults "500:0.7,503:0.5" 2>"$TMP/e"; [ $? = 2 ] || fail "faults over 1 must exit 2"
  grep -q "add up to more than 1" "$TMP/e" || fail "faults sum message"
  "$SBX" --rate 40 2>"$TMP/e"; [ $? = 2 ] || fail "bad rate must exit 2"
  "$SBX" --schema /nonexistent.json 2>"$TMP/e"; [ $? = 2 ] || fail "missing schema must exit 2"
  grep -q "cannot read schema /nonexistent.json" "$TMP/e" || fail "schema message: $(cat "$TMP/e")"
  "$SBX" --port 0 --db /nonexistent/dir/x.db 2>"$TMP/e"; [ $? = 2 ] || fail "unopenable database must exit 2"
  grep -q "cannot open database /nonexistent/dir/x.db" "$TMP/e" || fail "database message: $(cat "$TMP/e")"
  echo '{"targets": 3}' >"$TMP/bad.json"
  "$SBX" --port 0 --schema "$TMP/bad.json" 2>"$TMP/e"; [ $? = 2 ] || fail "bad schema must exit 2"
  grep -q 'schema: expected a JSON object with a "targets" array' "$TMP/e" || fail "bad schema message: $(cat "$TMP/e")"
  "$SBX" --port 0 --time-scale 0 2>"$TMP/e"; [ $? = 2 ] || fail "time scale 0 must exit 2"
}

t_auth() {
  start --account ops@acme.test:k1 --account other@acme.test:k2
  AUTH="ops@acme.test:k1"; req GET /api/account; expect_status 200; expect '.domain' '"sandbox"'
  expect '.current_user.email' '"ops@acme.test"'
  AUTH="other@acme.test:k2"; req GET /api/account; expect_status 200
  AUTH="sandbox@example.com:sandbox"; req GET /api/account; expect_error 401 "Unauthorized."
  AUTH="ops@acme.test:k2"; req GET /api/customers; expect_error 401 "Unauthorized."
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' "$URL/api/tickets"); B=$(cat "$TMP/body"); expect_error 401 "Unauthorized."
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H 'Authorization: Basic !!!' "$URL/api/tickets"); B=$(cat "$TMP/body"); expect_error 401 "Unauthorized."
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H 'Authorization: Bearer k2' "$URL/api/account"); B=$(cat "$TMP/body")
  expect_status 200; expect '.current_user.email' '"other@acme.test"'
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H 'Authorization: Bearer nope' "$URL/api/account"); B=$(cat "$TMP/body"); expect_error 401 "Unauthorized."
  AUTH="ops@acme.test:k1"
  req GET /api/nothing-here; expect_error 404 "Not found."
  req PATCH /api/tickets; expect_error 405 "Method PATCH is not allowed on /api/tickets."
  req GET /api/tickets/abc; expect_error 404 "Not found."
  req POST /api/customers '{"email": '; expect_error 400 "The request body is not valid JSON."
  req POST /api/customers '[1]'; expect_error 400 "The request body must be a JSON object."
  req POST /api/customers '{"email":"a@x.test"} {"x":1}'; expect_error 400 "The request body is not valid JSON."
  req POST /api/customers '{"email":"a@x.test"}
'; expect_status 201
  sbx GET /_sandbox/stats; expect_status 200; expect '.routes["GET /api/account"]' '{"200":3,"401":2}'
  sbx GET /_sandbox/nope; expect_error 404 "Not found."
  stop
  # the default account when none is given
  start; AUTH="sandbox@example.com:sandbox"; req GET /api/account; expect_status 200; stop
}

t_customers() {
  start
  req POST /api/customers '{"email":"jane@example.com","name":"Jane","external_id":"src:1","meta":{"k":1}}'
  expect_status 201; expect '[.id,.email,.name,.external_id,.meta.k,.uri]' '[1,"jane@example.com","Jane","src:1",1,"/api/customers/1/"]'
  expect '.channels' '[{"type":"email","address":"jane@example.com","preferred":true}]'
  req POST /api/customers '{"email":"jane@example.com"}'; expect_error 409 'Customer with email \"jane@example.com\" already exists (id 1).'
  req POST /api/customers '{"email":"bob@example.com","external_id":"src:2"}'; expect_status 201; expect .id 2
  req POST /api/customers '{"email":"x@example.com","nickname":"x"}'; expect_error 400 "nickname: unknown field."
  expect '.error.data' '{"nickname":["nickname: unknown field."]}'
  req POST /api/customers '{"email":42}'; expect_error 400 "email: must be a string."
  req POST /api/customers "{\"email\":\"$(printf 'a%.0s' $(seq 1 321))\"}"; expect_error 400 "email: must be at most 320 characters long."
  req POST /api/customers '{"channels":[{"address":"x"}]}'; expect_error 400 "channels[0].type: is required."
  req GET /api/customers/1; expect_status 200; expect .email '"jane@example.com"'
  req GET /api/customers/99; expect_error 404 "Customer 99 not found."
  req GET '/api/customers?email=bob@example.com'; expect_status 200; expect '[.data[].id]' '[2]'
  req GET '/api/customers?external_id=src:1'; expect '[.data[].id]' '[1]'
  req GET '/api/customers?email=none@example.com'; expect '.data' '[]'; expect '.meta' '{"prev_cursor":null,"next_cursor":null}'
  req PUT /api/customers/2 '{"name":"Bob","email":"jane@example.com"}'; expect_error 409 'Customer with email \"jane@example.com\" already exists (id 1).'
  req PUT /api/customers/2 '{"name":"Bob"}'; expect_status 200; expect '[.name,.email]' '["Bob","bob@example.com"]'
  req PUT /api/customers/77 '{"name":"Bob"}'; expect_error 404 "Customer 77 not found."
  req DELETE /api/customers/2; expect_status 204
  req DELETE /api/customers/2; expect_error 404 "Customer 2 not found."
  req POST /api/customers '{"email":"c3@example.com"}'; expect .id 3
  req POST /api/customers '{"email":"c4@example.com"}'; expect .id 4
  req DELETE /api/customers '{"ids":[3,4,555]}'; expect_status 204
  req DELETE /api/customers '{"ids":["x"]}'; expect_error 400 "ids[0]: must be an integer id."
  sbx GET /_sandbox/dump; expect '[.customers[].id]' '[1]'
  stop
}

t_users_teams() {
  start
  req POST /api/users '{"email":"agent@acme.test","name":"Al","role":{"name":"agent"},"external_id":"u1"}'
  expect_status 201; expect '[.id,.role,.active]' '[1,{"name":"agent"},true]'
  req POST /api/users '{"email":"lead@acme.test","role":"admin"}'; expect_status 201; expect .role '{"name":"admin"}'
  req POST /api/users '{"email":"x@acme.test","role":{"name":"boss"}}'; expect_error 400 'role: \"boss\" is not one of: admin, agent, basic-agent, observer-agent.'
  req POST /api/users '{"email":"x@acme.test"}'; expect_error 400 "role: is required."
  req POST /api/users '{"email":"agent@acme.test","role":"agent"}'; expect_error 409 'User with email \"agent@acme.test\" already exists (id 1).'
  req GET '/api/users?email=lead@acme.test'; expect '[.data[].id]' '[2]'
  req GET '/api/users?external_id=u1'; expect '[.data[].email]' '["agent@acme.test"]'
  req PUT /api/users/1 '{"role":{"name":"observer-agent"}}'; expect_status 200; expect .role '{"name":"observer-agent"}'
  req GET /api/users/1; expect .role.name '"observer-agent"'
  req POST /api/teams '{"name":"Tier 1","members":[{"id":1},{"id":2}]}'; expect_status 201
  expect '.members' '[{"id":1,"name":"Al","email":"agent@acme.test"},{"id":2,"name":null,"email":"lead@acme.test"}]'
  req POST /api/teams '{"name":"Tier 2","members":[{"id":9}]}'; expect_error 400 "members[0]: no user with this id."
  req POST /api/teams '{"description":"x"}'; expect_error 400 "name: is required."
  req PUT /api/teams/1 '{"members":[{"id":2}]}'; expect_status 200; expect '[.members[].id]' '[2]'
  req GET /api/teams; expect '[.data[].name]' '["Tier 1"]'
  req GET /api/teams/1; expect '[.id,.name,.uri]' '[1,"Tier 1","/api/teams/1/"]'
  req GET /api/users; expect '[.data[].email]' '["agent@acme.test","lead@acme.test"]'
  req GET '/api/users?roles=admin'; expect '[.data[].email]' '["lead@acme.test"]'
  req DELETE /api/teams/1; expect_status 204
  req DELETE /api/users/1; expect_status 204
  req GET /api/users/1; expect_error 404 "User 1 not found."
  stop
}

t_tags_fields() {
  start
  req POST /api/tags '{"name":"VIP","decoration":{"color":"#ff0000"}}'; expect_status 201; expect '[.id,.name]' '[1,"VIP"]'
  req POST /api/tags '{"name":"VIP"}'; expect_error 409 'Tag with name \"VIP\" already exists (id 1).'
  req POST /api/tags '{"name":"billing"}'; expect .id 2
  req POST /api/tags "{\"name\":\"$(printf 't%.0s' $(seq 1 257))\"}"; expect_error 400 "name: must be at most 256 characters long."
  req GET '/api/tags?search=vi'; expect '[.data[].name]' '["VIP"]'
  req PUT /api/tags/2 '{"description":"money"}'; expect .description '"money"'
  req GET /api/tags/2; expect '[.id,.name,.description,.uri]' '[2,"billing","money","/api/tags/2/"]'
  req GET /api/tags/9; expect_error 404 "Tag 9 not found."
  req DELETE /api/tags '{"ids":[1]}'; expect_status 204
  req GET /api/tags; expect '[.data[].name]' '["billing"]'
  req DELETE /api/tags/2; expect_status 204
  # a search is a cursor list like any other (reference §3.1); a name stays unique on update (§4.1)
  req POST /api/tags '{"name":"Vip one"}'; expect .id 3
  req POST /api/tags '{"name":"vip two"}'; req POST /api/tags '{"name":"other"}'
  req GET '/api/tags?search=VIP&limit=1'; expect '[.data[].name]' '["Vip one"]'
  c=$(printf '%s' "$B" | jq -r .meta.next_cursor)
  req GET "/api/tags?search=VIP&limit=1&cursor=$c"; expect '[[.data[].name],.meta.next_cursor]' '[["vip two"],null]'
  req GET '/api/tags?search=VIP&order_by=name:desc'; expect '[.data[].name]' '["vip two","Vip one"]'
  req GET '/api/tags?search=vip&limit=0'; expect_error 400 "limit: must be an integer from 1 to 100."
  req PUT /api/tags/4 '{"name":"Vip one"}'; expect_error 409 'Tag with name \"Vip one\" already exists (id 3).'
  req PUT /api/tags/3 '{"name":"Vip one","description":"same"}'; expect_status 200; expect .description '"same"'
  req POST /api/custom-fields '{"object_type":"Ticket","label":"Product","definition":{"data_type":"text","input_settings":{"input_type":"input"}}}'
  expect_status 201; expect '[.id,.object_type,.deactivated_datetime]' '[1,"Ticket",null]'
  req POST /api/custom-fields '{"object_type":"Order","label":"x","definition":{}}'; expect_error 400 'object_type: \"Order\" is not one of: Ticket, Customer.'
  req POST /api/custom-fields '{"object_type":"Ticket","label":"x"}'; expect_error 400 "definition: is required."
  req POST /api/custom-fields '{"object_type":"Ticket","label":"x","definition":{},"priority":9000}'; expect_error 400 "priority: must be at most 5000."
  req POST /api/custom-fields '{"object_type":"Customer","label":"Tier","definition":{}}'; expect .id 2
  req GET /api/custom-fields; expect_error 400 "object_type: is required (Ticket or Customer)."
  req GET '/api/custom-fields?object_type=Customer'; expect '[.data[].label]' '["Tier"]'
  req GET /api/custom-fields/2; expect '[.id,.label,.object_type]' '[2,"Tier","Customer"]'
  req GET '/api/custom-fields?object_type=Order'; expect_error 400 "object_type: must be Ticket or Customer."
  req PUT /api/custom-fields/1 '{"deactivated_datetime":"2024-01-01T00:00:00Z"}'; expect_status 200; expect .deactivated_datetime '"2024-01-01T00:00:00Z"'
  req PUT /api/custom-fields/1 '{"deactivated_datetime":"yesterday"}'; expect_error 400 "deactivated_datetime: must be an ISO-8601 datetime or null."
  req DELETE /api/custom-fields/1; expect_error 405 "Custom fields cannot be deleted: set deactivated_datetime instead."
  stop
}

ticket_body='{"subject":"Order 123","via":"api","channel":"api","status":"closed","external_id":"src-ticket-42",
 "created_datetime":"2021-03-01T10:00:00Z","closed_datetime":"2021-03-02T09:00:00Z",
 "customer":{"email":"jane@example.com","name":"Jane"},"tags":[{"name":"migrated"}],
 "messages":[{"channel":"api","via":"api","from_agent":false,"sender":{"email":"jane@example.com"},"body_text":"Hi",
   "created_datetime":"2021-03-01T10:00:00Z","sent_datetime":"2021-03-01T10:00:00Z"},
  {"channel":"internal-note","via":"api","from_agent":true,"body_text":"note","created_datetime":"2021-03-01T11:00:00Z"}]}'

t_tickets() {
  start
  req POST /api/tickets "$ticket_body"; expect_status 201
  expect '[.id,.status,.priority,.subject,.external_id,.created_datetime,.closed_datetime,.messages_count]' \
    '[1,"closed","normal","Order 123","src-ticket-42","2021-03-01T10:00:00Z","2021-03-02T09:00:00Z",2]'
  expect '.customer' '{"id":1,"email":"jane@example.com","name":"Jane","firstname":null,"lastname":null}'
  expect '.tags' '[{"id":1,"name":"migrated","decoration":null}]'
  expect '[.messages[] | [.id,.ticket_id,.public,.created_datetime,.sent_datetime]]' \
    '[[1,1,true,"2021-03-01T10:00:00Z","2021-03-01T10:00:00Z"],[2,1,false,"2021-03-01T11:00:00Z",null]]'
  # not invented from the messages (2021-03-01T11:00:00Z): not given, so now
  expect '[.last_message_datetime > "2025", .last_received_message_datetime > "2025"]' '[true,true]'
  req POST /api/tickets '{"updated_datetime":"2021-05-05T05:05:05Z","last_message_datetime":"2021-05-04T00:00:00Z","messages":[{"channel":"api","from_agent":false,"created_datetime":"2021-05-01T00:00:00Z"}]}'
  expect '[.updated_datetime,.last_message_datetime]' '["2021-05-05T05:05:05Z","2021-05-04T00:00:00Z"]'
  req DELETE /api/tickets/2; expect_status 204
  # validation
  req POST /api/tickets '{"subject":"x"}'; expect_error 400 "messages: is required."
  req POST /api/tickets '{"messages":[]}'; expect_error 400 "messages: must contain at least 1 item(s)."
  many=$(jq -nc '[range(501) | {"channel":"api","from_agent":false}]')
  req POST /api/tickets "{\"messages\":$many}"; expect_error 400 "messages: must contain at most 500 item(s)."
  five=$(jq -nc '[range(500) | {"channel":"api","from_agent":false,"sent_datetime":"2020-01-01T00:00:00Z"}]')
  req POST /api/tickets "{\"messages\":$five}"; expect_status 201; expect .messages_count 500; expect '.messages|length' 500
  req POST /api/tickets '{"messages":[{"channel":"api"}]}'; expect_error 400 "messages[0].from_agent: is required."
  req POST /api/tickets '{"status":"pending","messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 'status: \"pending\" is not one of: open, closed.'
  req POST /api/tickets "{\"subject\":\"$(printf 's%.0s' $(seq 1 999))\",\"messages\":[{\"channel\":\"api\",\"from_agent\":false}]}"
  expect_error 400 "subject: must be at most 998 characters long."
  req POST /api/tickets '{"created_datetime":"March 1st","messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 "created_datetime: must be an ISO-8601 datetime."
  req POST /api/tickets '{"customer":{"id":99},"messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 "customer: no customer with id 99."
  req POST /api/tickets '{"assignee_user":{"id":5},"messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 "assignee_user: no user with id 5."
  req POST /api/tickets '{"bogus":1,"messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 "bogus: unknown field."
  # get / list / filters
  req GET /api/tickets/1; expect_status 200; expect '[.id,(.messages|length)]' '[1,2]'
  req GET /api/tickets/999; expect_error 404 "Ticket 999 not found."
  req GET '/api/tickets?external_id=src-ticket-42'; expect '[.data[].id]' '[1]'; expect '.data[0].messages' 'null'
  req GET '/api/tickets?customer_id=1'; expect '[.data[].id]' '[1]'
  # update: created_datetime is create-only (refused by default)
  req PUT /api/tickets/1 '{"created_datetime":"2020-01-01T00:00:00Z"}'; expect_error 400 "created_datetime: cannot be changed after creation."
  req PUT /api/tickets/1 '{"messages":[]}'; expect_error 400 "messages: cannot be changed after creation."
  req PUT /api/tickets/1 '{"status":"open","tags":["a","b"],"is_unread":true}'; expect_status 200
  expect '[.status,[.tags[].name],.is_unread,.created_datetime]' '["open",["a","b"],true,"2021-03-01T10:00:00Z"]'
  req PUT /api/tickets/1 '{"trashed_datetime":"2024-01-01T00:00:00Z","updated_datetime":"2024-01-01T00:00:01Z"}'; expect_status 200
  expect '.updated_datetime' '"2024-01-01T00:00:01Z"'
  req GET '/api/tickets?trashed=false'; expect '[.data[].id]' '[3]'
  req GET '/api/tickets'; expect '[.data[].id]' '[1,3]'
  req GET '/api/tickets?trashed=maybe'; expect_error 400 "trashed: must be true or false."
  # tags sub-routes
  req POST /api/tickets/1/tags '{"names":["c"],"ids":[1]}'; expect_status 201; [ -z "$B" ] || fail "POST tags body not empty: $B"
  req GET /api/tickets/1/tags; expect '[.data[].name]' '["a","b","migrated","c"]'
  req DELETE /api/tickets/1/tags '{"names":["a","migrated"]}'; expect_status 204
  req GET /api/tickets/1/tags; expect '[.data[].name]' '["b","c"]'
  req PUT /api/tickets/1/tags '{"names":["z"]}'; expect_status 202
  req GET /api/tickets/1/tags; expect '[.data[].name]' '["z"]'
  req PUT /api/tickets/1/tags '{"ids":[777]}'; expect_error 400 "tags[0]: no tag with id 777."
  # custom-field values
  req POST /api/custom-fields '{"object_type":"Ticket","label":"Product","definition":{"data_type":"text"}}'; fid=$(printf '%s' "$B" | jq .id)
  req POST /api/custom-fields '{"object_type":"Customer","label":"Tier","definition":{"data_type":"text"}}'; cfid=$(printf '%s' "$B" | jq .id)
  req PUT /api/tickets/1/custom-fields "[{\"id\":$fid,\"value\":\"Shoes\"}]"; expect_status 200; expect '[.data[] | [.field.label,.value]]' '[["Product","Shoes"]]'
  req PUT /api/tickets/1/custom-fields "[{\"id\":$cfid,\"value\":\"Gold\"}]"; expect_error 400 "body[0].id: no Ticket custom field with id $cfid."
  req PUT "/api/tickets/1/custom-fields/$fid" '{"value":"Hats"}'; expect_status 200; expect '[.field.id,.value]' "[$fid,\"Hats\"]"
  req GET /api/tickets/1/custom-fields; expect '[.data[].value]' '["Hats"]'
  req GET /api/tickets/1; expect ".custom_fields[\"$fid\"]" "{\"id\":$fid,\"value\":\"Hats\"}"
  req DELETE "/api/tickets/1/custom-fields/$fid"; expect_status 204
  req DELETE "/api/tickets/1/custom-fields/$fid"; expect_error 404 "Ticket 1 has no value for custom field $fid."
  req POST /api/tickets "{\"custom_fields\":[{\"id\":$fid,\"value\":3}],\"messages\":[{\"channel\":\"api\",\"from_agent\":false}]}"; expect_status 201
  expect ".custom_fields[\"$fid\"].value" 3
  # the same routes on customers, with Customer fields only
  req POST /api/customers "{\"email\":\"cf@x.test\",\"custom_fields\":[{\"id\":$cfid,\"value\":\"Gold\"}]}"; expect_status 201
  cid=$(printf '%s' "$B" | jq .id); expect ".custom_fields[\"$cfid\"].value" '"Gold"'
  req POST /api/customers "{\"email\":\"cf2@x.test\",\"custom_fields\":[{\"id\":$fid,\"value\":\"x\"}]}"; expect_error 400 "custom_fields[0].id: no Customer custom field with id $fid."
  req PUT "/api/customers/$cid/custom-fields/$cfid" '{"value":"Silver"}'; expect_status 200; expect '.value' '"Silver"'
  req GET "/api/customers/$cid/custom-fields"; expect '[.data[] | [.field.label,.value]]' '[["Tier","Silver"]]'
  req PUT "/api/customers/$cid/custom-fields" '[]'; expect_status 200; expect '.data' '[]'
  req DELETE "/api/customers/$cid/custom-fields/$cfid"; expect_error 404 "Customer $cid has no value for custom field $cfid."
  # delete
  req DELETE /api/tickets/1; expect_status 204
  req GET /api/tickets/1; expect_error 404 "Ticket 1 not found."
  req GET '/api/messages?ticket_id=1'; expect '.data' '[]'
  stop
  # the ignore setting drops create-only fields from a PUT
  start --put-created-datetime ignore
  req POST /api/tickets "$ticket_body"; expect_status 201
  req PUT /api/tickets/1 '{"created_datetime":"2020-01-01T00:00:00Z","subject":"new"}'; expect_status 200
  expect '[.subject,.created_datetime]' '["new","2021-03-01T10:00:00Z"]'
  stop
}

t_messages() {
  start
  req POST /api/tickets "$ticket_body"; expect_status 201
  req POST /api/tickets/1/messages '{"channel":"email","via":"api","from_agent":true,"body_text":"reply","receiver":{"email":"jane@example.com"}}'
  expect_status 201; expect '[.id,.ticket_id,.public,.sent_datetime,.uri]' '[3,1,true,null,"/api/tickets/1/messages/3/"]'
  req POST /api/tickets/1/messages '{"channel":"email"}'; expect_error 400 "from_agent: is required."
  req POST /api/tickets/1/messages '{"channel":"email","from_agent":true,"ticket_id":2}'; expect_error 400 "ticket_id: does not match the ticket in the path."
  req POST /api/tickets/9/messages '{"channel":"email","from_agent":true}'; expect_error 404 "Ticket 9 not found."
  req POST /api/tickets/1/messages '{"channel":"api","from_agent":false,"attachments":[{"url":"u","name":"a.png"}]}'
  expect_error 400 "attachments[0].content_type: is required."
  req GET '/api/messages?ticket_id=1'; expect_status 200; expect '[.data[].id]' '[1,2,3]'
  req GET '/api/messages?ticket_id=1&order_by=created_datetime:desc&limit=2'; expect '[.data[].id]' '[3,2]'
  req GET '/api/messages?ticket_id=x'; expect_error 400 "ticket_id: must be an integer id."
  req GET /api/tickets/1/messages/3; expect .body_text '"reply"'
  req GET /api/tickets/2/messages/3; expect_error 404 "Message 3 not found on ticket 2."
  req PUT /api/tickets/1/messages/3 '{"sent_datetime":"2024-05-05T05:05:05+00:00"}'; expect_status 202; expect .sent_datetime '"2024-05-05T05:05:05+00:00"'
  req POST /api/tickets/1/messages '{"channel":"chat","from_agent":true,"body_text":"would be sent"}'; expect .id 4
  req POST /api/tickets/1/messages '{"channel":"chat","from_agent":true,"public":false,"body_text":"private"}'; expect .id 5
  # outbox: public, not an internal note, no sent_datetime
  sbx GET /_sandbox/outbox; expect '[.data[].id]' '[4]'
  req GET /api/tickets/1; expect .messages_count 5
  req DELETE /api/tickets/1/messages/4; expect_status 200
  sbx GET /_sandbox/outbox; expect '.data' '[]'
  req GET /api/tickets/1/messages; expect '[.data[].id]' '[1,2,3,5]'
  # the deprecated nested list 404s on a missing ticket like every nested route (reference §4.1)
  req GET /api/tickets/9/messages; expect_error 404 "Ticket 9 not found."
  req GET '/api/messages?ticket_id=9'; expect_status 200; expect '.data' '[]'
  # order_by sorts on the field itself: a late-created old message comes first
  req POST /api/tickets/1/messages '{"channel":"api","from_agent":false,"created_datetime":"2020-12-31T23:00:00Z","sent_datetime":"2020-12-31T23:00:00Z"}'; expect .id 6
  req GET '/api/messages?ticket_id=1&order_by=created_datetime:asc'; expect '[.data[].id]' '[6,1,2,3,5]'
  ids=""; cur=""
  for i in 1 2 3 4 5 6; do
    req GET "/api/messages?ticket_id=1&order_by=created_datetime:asc&limit=2${cur:+&cursor=$cur}"
    ids="$ids$(printf '%s' "$B" | jq -c '[.data[].id]')"; cur=$(printf '%s' "$B" | jq -r '.meta.next_cursor // empty'); [ -z "$cur" ] && break
  done
  [ "$ids" = "[6,1][2,3][5]" ] || fail "paged order_by walk: $ids"
  req GET "/api/messages?ticket_id=1&order_by=created_datetime:asc&limit=2&cursor=$(printf '%s' "$B" | jq -r .meta.prev_cursor)"; expect '[.data[].id]' '[2,3]'
  stop
}

t_pagination() {
  start
  for i in $(seq 1 75); do req POST /api/customers "{\"email\":\"c$i@x.test\"}"; [ "$ST" = 201 ] || fail "create $i: $ST"; done
  req GET /api/customers; expect '[(.data|length),.data[0].id,.data[29].id,.meta.prev_cursor,.object,.uri]' '[30,1,30,null,"list","/api/customers"]'
  c2=$(printf '%s' "$B" | jq -r .meta.next_cursor)
  req GET "/api/customers?cursor=$c2"; expect '[(.data|length),.data[0].id,.data[29].id]' '[30,31,60]'
  c3=$(printf '%s' "$B" | jq -r .meta.next_cursor); p2=$(printf '%s' "$B" | jq -r .meta.prev_cursor)
  req GET "/api/customers?cursor=$c3"; expect '[(.data|length),.data[0].id,.data[14].id,.meta.next_cursor]' '[15,61,75,null]'
  p3=$(printf '%s' "$B" | jq -r .meta.prev_cursor)
  req GET "/api/customers?cursor=$p3"; expect '[(.data|length),.data[0].id,.data[29].id]' '[30,31,60]'
  req GET "/api/customers?cursor=$p2"; expect '[(.data|length),.data[0].id,.meta.prev_cursor]' '[30,1,null]'
  # walk everything with limit=100 and limit=7
  req GET '/api/customers?limit=100'; expect '[(.data|length),.meta.next_cursor]' '[75,null]'
  n=0; cur=""; pages=0
  while :; do
    req GET "/api/customers?limit=7${cur:+&cursor=$cur}"; pages=$((pages+1))
    n=$((n + $(printf '%s' "$B" | jq '.data|length'))); cur=$(printf '%s' "$B" | jq -r '.meta.next_cursor // empty')
    [ -z "$cur" ] && break; [ $pages -gt 20 ] && { fail "pagination does not end"; break; }
  done
  [ "$n" = 75 ] && [ "$pages" = 11 ] || fail "walked $n objects in $pages pages, expected 75 in 11"
  req GET '/api/customers?order_by=created_datetime:desc&limit=3'; expect '[.data[].id]' '[75,74,73]'
  c=$(printf '%s' "$B" | jq -r .meta.next_cursor)
  req GET "/api/customers?order_by=created_datetime:desc&limit=3&cursor=$c"; expect '[.data[].id]' '[72,71,70]'
  req GET '/api/customers?limit=101'; expect_error 400 "limit: must be an integer from 1 to 100."
  req GET '/api/customers?limit=0'; expect_error 400 "limit: must be an integer from 1 to 100."
  req GET '/api/customers?cursor=garbage'; expect_error 400 "cursor: invalid cursor."
  req GET '/api/customers?order_by=email:asc'; expect_error 400 "order_by: invalid value; expected <field>:asc or <field>:desc with a field this list can be ordered by."
  req GET '/api/customers?order_by=created_datetime:up'; expect_status 400
  stop
}

t_upload() {
  start --max-upload 1000
  head -c 700 /dev/urandom >"$TMP/pic.png"
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" -F "file=@$TMP/pic.png;type=image/png" "$URL/api/upload?type=attachment"); B=$(cat "$TMP/body")
  expect_status 201; expect '[.[0].name,.[0].content_type,.[0].size]' '["pic.png","image/png",700]'
  url=$(printf '%s' "$B" | jq -r '.[0].url')
  case "$url" in "$URL/api/attachment/download/sandbox/1") ;; *) fail "upload url $url";; esac
  curl -s -u "$AUTH" -o "$TMP/back" "$url"; cmp -s "$TMP/back" "$TMP/pic.png" || fail "downloaded bytes differ"
  ST=$(curl -s -o /dev/null -w '%{http_code}' "$url"); [ "$ST" = 401 ] || fail "download without auth: $ST"
  # a public_attachment is what a Help Center visitor fetches: no credentials needed
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" -F "file=@$TMP/pic.png;type=image/png" "$URL/api/upload?type=public_attachment"); B=$(cat "$TMP/body")
  pub=$(printf '%s' "$B" | jq -r '.[0].url')
  case "$pub" in "$URL/api/public_attachment/download/sandbox/2") ;; *) fail "public upload url $pub";; esac
  curl -s -o "$TMP/back" "$pub"; cmp -s "$TMP/back" "$TMP/pic.png" || fail "a visitor cannot fetch the public attachment"
  ST=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/attachment/download/sandbox/2"); [ "$ST" = 401 ] || fail "private path of a public file without auth: $ST"
  ST=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/public_attachment/download/sandbox/1"); [ "$ST" = 404 ] || fail "a private file by the public path: $ST"
  printf 'hello' >"$TMP/a.txt"; printf 'world!' >"$TMP/b.txt"
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" -F "one=@$TMP/a.txt;type=text/plain" -F "two=@$TMP/b.txt" "$URL/api/upload"); B=$(cat "$TMP/body")
  expect_status 201; expect '[.[] | [.name,.size]]' '[["a.txt",5],["b.txt",6]]'
  expect '[.[].url | test("/sandbox/[34]$")]' '[true,true]'
  head -c 1500 /dev/urandom >"$TMP/big.bin"
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" -F "file=@$TMP/big.bin" "$URL/api/upload"); B=$(cat "$TMP/body")
  expect_error 413 "File too large: the limit is 1000 bytes."
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" -F "file=@$TMP/a.txt" "$URL/api/upload?type=weird"); B=$(cat "$TMP/body")
  expect_error 400 "type: must be one of: attachment, public_attachment, profile_picture, widget_picture."
  req POST /api/upload '{"file":"x"}'; expect_error 400 "The upload must be multipart/form-data with a boundary."
  sbx GET /_sandbox/dump; expect '[.uploads[] | [.id,.name,.label,.type]]' '[[1,"pic.png","file","attachment"],[2,"pic.png","file","public_attachment"],[3,"a.txt","one","attachment"],[4,"b.txt","two","attachment"]]'
  stop
}

t_misc() {
  start
  req POST /api/tickets "$ticket_body"; req POST /api/tickets "$ticket_body"; req POST /api/tickets "$ticket_body"
  req POST /api/jobs '{"type":"deleteTicket","params":{"ticket_ids":[1,3]}}'; expect_status 201
  expect '[.id,.type,.status,.info.deleted]' '[1,"deleteTicket","done",2]'
  req GET /api/tickets; expect '[.data[].id]' '[2]'
  req GET /api/jobs/1; expect .status '"done"'
  req GET /api/jobs; expect '[.data[] | [.id,.status]]' '[[1,"done"]]'
  req GET /api/jobs/5; expect_error 404 "Job 5 not found."
  req DELETE /api/jobs/1; expect_status 204
  req DELETE /api/jobs/5; expect_error 404 "Job 5 not found."
  req GET /api/tickets; expect '[.data[].id]' '[2]'
  req POST /api/jobs '{"type":"deleteTicket"}'; expect_error 400 "params: is required and must be an object."
  req POST /api/jobs '{"type":"nuke","params":{}}'; expect_error 400 "type: is not a job type (applyMacro, deleteTicket, exportTicket, exportMacro, importMacro, updateTicket, ...)."
  req POST /api/jobs '{"type":"applyMacro","params":{}}'; expect_error 400 "type: the sandbox only runs deleteTicket jobs."
  # satisfaction surveys
  req POST /api/satisfaction-surveys '{"ticket_id":2,"customer_id":1,"score":5,"body_text":"great","should_send_datetime":null}'
  expect_status 201; expect '[.id,.ticket_id,.customer_id,.score]' '[1,2,1,5]'
  req POST /api/satisfaction-surveys '{"ticket_id":2,"customer_id":1}'; expect_error 409 "Ticket 2 already has a satisfaction survey (id 1)."
  req POST /api/satisfaction-surveys '{"ticket_id":2,"customer_id":1,"score":6}'; expect_error 400 "score: must be at most 5."
  req POST /api/satisfaction-surveys '{"customer_id":1}'; expect_error 400 "ticket_id: is required."
  req POST /api/satisfaction-surveys '{"ticket_id":1,"customer_id":1}'; expect_error 400 "ticket_id: no ticket with id 1."
  req PUT /api/satisfaction-surveys/1 '{"ticket_id":2,"customer_id":1,"score":4}'; expect_status 200; expect '[.score,.body_text]' '[4,null]'
  req DELETE /api/satisfaction-surveys/1; expect_error 405 "Satisfaction surveys cannot be deleted."
  req GET /api/satisfaction-surveys; expect '[.data[].id]' '[1]'
  req GET /api/satisfaction-surveys/1; expect '[.id,.score,.uri]' '[1,4,"/api/satisfaction-surveys/1/"]'
  req GET '/api/satisfaction-surveys?ticket_id=2'; expect '[.data[].id]' '[1]'
  # rules
  req POST /api/rules '{"name":"auto-reply","code":"x","event_types":"ticket-created"}'; expect_status 201; expect .deactivated_datetime null
  req POST /api/rules '{"code":"x"}'; expect_error 400 "name: is required."
  req PUT /api/rules/1 '{"deactivated_datetime":"2024-06-01T00:00:00Z"}'; expect_status 200; expect .deactivated_datetime '"2024-06-01T00:00:00Z"'
  req GET /api/rules; expect '[.data[] | [.name,.deactivated_datetime]]' '[["auto-reply","2024-06-01T00:00:00Z"]]'
  req PUT /api/rules/1 '{"deactivated_datetime":null}'; expect .deactivated_datetime null
  req GET /api/rules/1; expect '[.id,.name,.deactivated_datetime]' '[1,"auto-reply",null]'
  req DELETE /api/rules/1; expect_status 204
  req GET /api/rules/1; expect_error 404 "Rule 1 not found."
  stop
}

t_helpcenter() {
  start
  HC=/api/help-center/help-centers/1
  req GET /api/help-center/help-centers; expect '[.data[0].id,.data[0].default_locale,.meta.item_count]' '[1,"en-US",1]'
  req GET /api/help-center/help-centers/2; expect_error 404 "Help center 2 not found."
  req GET /api/help-center/help-centers/1; expect '[.id,(.supported_locales|length)]' '[1,15]'
  req POST $HC/categories '{"translation":{"locale":"en-US","title":"Orders","slug":"orders","seo_meta":{"title":null}}}'
  expect_status 201; expect '[.id,.help_center_id,.translation.title,.translation.category_id,.translation.visibility_status,.available_locales]' '[1,1,"Orders",1,"PUBLIC",["en-US"]]'
  req POST $HC/categories '{"translation":{"slug":"x"}}'; expect_error 400 "translation.title: is required."
  req POST $HC/categories '{"title":"x"}'; expect_error 400 "translation: is required."
  req POST $HC/categories '{"translation":{"title":"Sub","parent_category_id":9}}'; expect_error 400 "translation.parent_category_id: no category with id 9 in help center 1."
  req POST $HC/articles '{"category_id":1,"translation":{"locale":"en-US","title":"Cancel","content":"<p>How</p>","slug":"cancel","is_current":true,"seo_meta":{"title":null,"description":null}}}'
  expect_status 201; expect '[.id,.category_id,.translation.title,.translation.is_current,.translation.article_id]' '[1,1,"Cancel",true,1]'
  req POST $HC/articles '{"category_id":1,"translation":{"title":"No body"}}'; expect_error 400 "translation.content: is required."
  req POST $HC/articles '{"category_id":1,"translation":{"title":"t","content":"c","locale":"xx-XX"}}'; expect_error 400 'translation.locale: \"xx-XX\" is not one of: en-US, fr-FR, de-DE.'
  req POST $HC/articles '{"category_id":5,"translation":{"title":"t","content":"c"}}'; expect_error 400 "category_id: no category with id 5 in help center 1."
  req POST $HC/articles/1/translations '{"locale":"fr-FR","title":"Annuler","content":"<p>Comment</p>"}'; expect_status 201; expect .locale '"fr-FR"'
  req POST $HC/articles/1/translations '{"locale":"fr-FR","title":"A","content":"c"}'; expect_error 409 "Article 1 already has a fr-FR translation."
  req PUT $HC/articles/1/translations/fr-FR '{"title":"Annuler une commande"}'; expect_status 200; expect '[.title,.content]' '["Annuler une commande","<p>Comment</p>"]'
  req GET "$HC/articles/1?locale=fr-FR"; expect '[.translation.title,.available_locales]' '["Annuler une commande",["en-US","fr-FR"]]'
  req GET $HC/articles/1/translations; expect '[.data[].locale]' '["en-US","fr-FR"]'
  req GET $HC/articles; expect '[.data[].translation.title,.meta.nb_pages,.meta.next_page]' '["Cancel",1,null]'
  req POST $HC/categories '{"translation":{"title":"Returns"}}'; expect .id 2
  req GET "$HC/categories?per_page=1"; expect '[[.data[].translation.title],.meta.item_count,.meta.nb_pages,.meta.next_page]' '[["Orders"],2,2,2]'
  req GET "$HC/categories?per_page=1&page=2"; expect '[[.data[].translation.title],.meta.next_page]' '[["Returns"],null]'
  req GET $HC/categories/1; expect '[.id,.translation.slug]' '[1,"orders"]'
  req POST $HC/categories/1/translations '{"locale":"de-DE","title":"Bestellungen"}'; expect_status 201; expect '[.locale,.title,.category_id]' '["de-DE","Bestellungen",1]'
  req POST $HC/categories/1/translations '{"locale":"de-DE","title":"B"}'; expect_error 409 "Category 1 already has a de-DE translation."
  req PUT $HC/categories/1/translations/de-DE '{"description":"Alles"}'; expect_status 200; expect '[.title,.description]' '["Bestellungen","Alles"]'
  req PUT $HC/categories/1/translations/fr-FR '{"title":"x"}'; expect_error 404 "Category 1 has no fr-FR translation."
  req GET $HC/categories/1/translations; expect '[.data[].locale]' '["en-US","de-DE"]'
  req GET "$HC/categories/1?locale=de-DE"; expect '[.translation.title,.available_locales]' '["Bestellungen",["en-US","de-DE"]]'
  req PUT $HC/articles/1 '{"category_id":2}'; expect_status 200; expect '.category_id' 2
  req PUT $HC/articles/1 '{"category_id":1}'; expect_status 200
  req GET /api/help-center/help-centers/3/articles; expect_error 404 "Help center 3 not found."
  req DELETE $HC/categories/1; expect_error 409 "Category 1 still has articles or sub-categories."
  req DELETE $HC/articles/1; expect_status 204
  req DELETE $HC/categories/1; expect_status 204
  req GET $HC/categories/1; expect_error 404 "Category 1 not found."
  stop
}

t_observe() {
  start --log "$TMP/requests.log"
  req POST /api/customers '{"email":"a@x.test"}'
  req POST /api/tickets "$ticket_body"
  sbx GET /_sandbox/dump; expect_status 200
  expect 'keys' '["custom_fields","customers","help_center_articles","help_center_categories","jobs","rules","satisfaction_surveys","tags","teams","tickets","uploads","users"]'
  expect '[(.customers|length), (.tickets[0].messages|length)]' '[2,2]'
  # tamper without validation
  sbx PUT /_sandbox/raw/tickets/1 '{"subject":"tampered","status":"weird"}'; expect_status 200
  req GET /api/tickets/1; expect '[.id,.subject,.status]' '[1,"tampered","weird"]'
  sbx GET /_sandbox/raw/messages/2; expect .channel '"internal-note"'
  sbx DELETE /_sandbox/raw/messages/2; expect_status 204
  sbx PUT /_sandbox/raw/bogus/1 '{}'; expect_error 404 'Unknown kind \"bogus\".'
  sbx GET /_sandbox/stats; expect '[.requests,.routes["POST /api/tickets"]["201"],.rate_limited]' '[3,1,0]'
  cut -d' ' -f2- "$TMP/requests.log" >"$TMP/log.txt"
  printf 'POST /api/customers 201\nPOST /api/tickets 201\nGET /api/tickets/{id} 200\n' | cmp -s - "$TMP/log.txt" || fail "request log: $(cat "$TMP/log.txt")"
  sbx POST /_sandbox/reset; expect_status 200
  sbx GET /_sandbox/dump; expect '[.customers,.tickets]' '[[],[]]'
  req POST /api/customers '{"email":"a@x.test"}'; expect .id 1
  stop
}

t_ratelimit() {
  # Exact counts at time scale 1: 5 calls per 200 s drain one call every 40 s,
  # far longer than six requests take even on a loaded machine (a 4 s drain,
  # at time scale 10, let a slow run slip a sixth call through).
  start --rate 5/200
  for i in 1 2 3 4 5; do
    req GET /api/account; expect_status 200; [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "$i/5" ] || fail "limit header $i: $(header X-Gorgias-Account-Api-Call-Limit)"
  done
  req GET /api/account; expect_status 429; expect '.error.msg' '"Too many requests: the limit is 5 calls per 200 seconds."'
  ra=$(header Retry-after)
  # real time: Retry-after in whole seconds, as Gorgias sends it
  case "$ra" in [1-9]|[1-3][0-9]|40) ;; *) fail "Retry-after $ra not whole seconds within 1..40";; esac
  [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "5/5" ] || fail "429 limit header"
  sbx GET /_sandbox/stats; expect '.rate_limited' 1
  # /_sandbox is never limited
  for i in $(seq 1 10); do sbx GET /_sandbox/stats; done; expect_status 200
  stop
  # Recovery at time scale 10 (a 20 s window): fill the bucket until a 429,
  # wait the Retry-after it gives, and the next call goes through.
  start --rate 5/200 --time-scale 10
  n=0; ST=200
  while [ "$ST" = 200 ] && [ $n -lt 30 ]; do req GET /api/account; n=$((n + 1)); done
  expect_status 429 "no 429 after $n calls"
  ra=$(header Retry-after)
  case "$ra" in [0-3].[0-9][0-9][0-9]|4.000) ;; *) fail "Retry-after $ra not a decimal within 0..4 s";; esac
  sleep "$ra"; sleep 0.1
  req GET /api/account; expect_status 200
  stop
  # the defaults: 40 per 20 s; 80 for OAuth. Time scale 0.01 stretches the 20 s
  # window to 2,000 s, so nothing leaks between two requests of a loaded machine.
  start --rate 40/20; req GET /api/account; [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "1/40" ] || fail "default limit header"; stop
  start --rate 80/20 --time-scale 0.01; req GET /api/account; req GET /api/account; [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "2/80" ] || fail "oauth limit header"; stop
  # accounts have their own buckets. 3 per 200 s: the fourth call waits for one
  # call to drain, 66.7 s rounded up, less what a loaded machine took to send them.
  start --rate 3/200 --account a@x.test:a --account b@x.test:b
  AUTH=a@x.test:a; for i in 1 2 3; do req GET /api/account; done; req GET /api/account; expect_status 429
  case "$(header Retry-after)" in 6[0-7]) ;; *) fail "Retry-after $(header Retry-after), expected 67 (60 or more on a slow machine)";; esac
  AUTH=b@x.test:b; req GET /api/account; expect_status 200; [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "1/3" ] || fail "b bucket"
  stop
}

t_faults() {
  for k in 500 502 503; do
    start --faults "$k:1"
    req POST /api/customers '{"email":"a@x.test"}'; expect_status "$k"
    case $k in 500) m="Internal server error.";; 502) m="Bad gateway.";; 503) m="Service unavailable.";; esac
    expect .error.msg "\"$m\""
    sbx GET /_sandbox/dump; expect '.customers' '[]'
    sbx GET /_sandbox/stats; expect ".faults[\"$k\"]" 1
    stop
  done
  start --faults "429:1"
  req GET /api/account; expect_error 429 "Too many requests."; [ "$(header Retry-after)" = 1 ] || fail "429 fault Retry-after"
  stop
  # a burst of 3 consecutive 429s
  start --faults "429:0.2:3" --seed 3
  codes=""; for i in $(seq 1 30); do req GET /api/account; codes="$codes$ST "; done
  echo "$codes" | grep -q "429 429 429" || fail "no 429 burst of 3: $codes"
  stop
  start --faults "slow:1:400ms"
  s=$(date +%s%N); req GET /api/account; e=$(date +%s%N); expect_status 200
  [ $(( (e - s) / 1000000 )) -ge 400 ] || fail "slow reply took $(( (e - s) / 1000000 )) ms"
  stop
  # the write of a slow reply is committed before the wait: a client that gives up finds it
  start --faults "slow:1:20s"
  curl -s --max-time 1.5 -u "$AUTH" -H 'Content-Type: application/json' -d '{"email":"slow@x.test"}' "$URL/api/customers" >/dev/null; rc=$?
  [ $rc = 28 ] || fail "slow: curl exit $rc, expected 28 (timeout)"
  sbx GET /_sandbox/dump; expect '[.customers[].email]' '["slow@x.test"]'
  stop
  # SIGTERM does not wait for a long slow reply
  start --faults "slow:1:60s"
  curl -s -u "$AUTH" "$URL/api/account" >/dev/null &
  cpid=$!
  sleep 0.3; s=$(date +%s%N); stop; e=$(date +%s%N); wait $cpid
  [ $(( (e - s) / 1000000 )) -lt 5000 ] || fail "stopping during a slow reply took $(( (e - s) / 1000000 )) ms"
  start --faults "slow:1:2s" --time-scale 10
  s=$(date +%s%N); req GET /api/account; e=$(date +%s%N)
  ms=$(( (e - s) / 1000000 )); [ $ms -ge 200 ] && [ $ms -lt 1900 ] || fail "scaled slow reply took $ms ms"
  stop
  # drop-before: no response and nothing written
  start --faults "drop-before:1"
  curl -s -u "$AUTH" -H 'Content-Type: application/json' -d '{"email":"a@x.test"}' "$URL/api/customers" >/dev/null; rc=$?
  [ $rc = 52 ] || fail "drop-before: curl exit $rc, expected 52 (empty reply)"
  sbx GET /_sandbox/dump; expect '.customers' '[]'
  sbx GET /_sandbox/stats; expect '.routes["POST /api/customers"]' '{"dropped-before":1}'
  stop
  # drop-after: no response but the write is committed
  start --faults "drop-after:1"
  curl -s -u "$AUTH" -H 'Content-Type: application/json' -d '{"email":"a@x.test"}' "$URL/api/customers" >/dev/null; rc=$?
  [ $rc = 52 ] || fail "drop-after: curl exit $rc, expected 52 (empty reply)"
  sbx GET /_sandbox/dump; expect '[.customers[].email]' '["a@x.test"]'
  stop
  # the schedule is a function of seed and request number
  run_codes() { start --faults "500:0.2,503:0.2" --seed "$1"; local c=""; for i in $(seq 1 25); do req GET /api/account; c="$c$ST,"; done; stop; echo "$c"; }
  a=$(run_codes 7); b=$(run_codes 7); c=$(run_codes 8)
  [ "$a" = "$b" ] || fail "same seed, different schedule: $a vs $b"
  [ "$a" != "$c" ] || fail "different seeds gave the same schedule: $a"
  case "$a" in *500*) ;; *) fail "no 500 in 25 requests at p=0.2: $a";; esac
}

t_persistence() {
  db="$TMP/sbx.db"
  start --db "$db"
  req POST /api/customers '{"email":"keep@x.test"}'
  req POST /api/tickets "$ticket_body"
  ST=$(curl -s -o /dev/null -w '%{http_code}' -u "$AUTH" -F "file=@$0" "$URL/api/upload"); [ "$ST" = 201 ] || fail "upload $ST"
  req POST /api/customers '{"email":"gone@x.test"}'; req DELETE /api/customers/3; expect_status 204
  sbx GET /_sandbox/dump; before=$B
  stop
  start --db "$db"
  sbx GET /_sandbox/dump; [ "$B" = "$before" ] || fail "dump differs after restart"
  expect '[.customers[].email]' '["keep@x.test","jane@example.com"]'
  curl -s -u "$AUTH" -o "$TMP/back" "$URL/api/attachment/download/sandbox/1"; cmp -s "$TMP/back" "$0" || fail "upload lost on restart"
  # ids are never reused, even after a delete and a restart
  req POST /api/customers '{"email":"new@x.test"}'; expect .id 4
  stop
}

t_concurrency() {
  start --rate off
  "$LOADGEN" "$URL" 200 10 || fail "load generator reported errors"
  sbx GET /_sandbox/dump; expect '.customers|length' 2000
  expect '[.customers[].id] | unique | length' 2000
  stop
  # the same on a database file, then every write is still there after a restart
  start --rate off --db "$TMP/load.db"
  "$LOADGEN" "$URL" 200 3 || fail "load generator reported errors (file database)"
  stop
  start --db "$TMP/load.db"
  sbx GET /_sandbox/dump; expect '[(.customers|length), ([.customers[].email] | unique | length)]' '[600,600]'
  stop
}

# The schema built in from stdlib/gorgias.hmap (hmapc schema): the real
# definitions, so these messages change only when the schema module does.
t_realschema() {
  USE_BUILTIN_SCHEMA=1
  start
  req POST /api/tickets "$ticket_body"; expect_status 201; expect '[.status,.priority,(.messages|length)]' '["closed","normal",2]'
  req POST /api/tickets '{"subject":"x"}'; expect_error 400 "messages: is required."
  req POST /api/tickets '{"priority":"urgent","messages":[{"channel":"api","from_agent":false}]}'; expect_error 400 'priority: \"urgent\" is not one of: critical, high, normal, low.'
  req POST /api/tickets '{"messages":[{"channel":"my-custom-channel","via":"api","from_agent":false,"attachments":[{"url":"http://x/a.png","name":"a.png","content_type":"image/png","size":3}]}]}'
  expect_status 201; expect '.messages[0].attachments[0].url' '"http://x/a.png"'
  req POST /api/tickets '{"messages":[{"channel":"api","from_agent":false,"attachments":[{"url":7,"name":"a","content_type":"b"}]}]}'
  expect_error 400 "messages[0].attachments[0].url: must be the url of an uploaded file."
  req POST /api/users '{"email":"a@x.test","role":{"name":"lite_agent"}}'; expect_error 400 'role: \"lite_agent\" is not one of: admin, agent, basic-agent, bot, internal-agent, lite-agent, observer-agent.'
  req POST /api/users '{"email":"a@x.test","role":{"name":"lite-agent"}}'; expect_status 201
  req POST /api/satisfaction-surveys '{"ticket_id":1,"customer_id":1,"score":0}'; expect_error 400 "score: must be at least 1."
  stop
}

# The conformance table refuses what hmap's schema module wrongly or loosely
# accepts (sandbox/conformance_differences.md) and takes what Gorgias takes.
t_conformance() {
  USE_BUILTIN_SCHEMA=1
  start
  local msg='{"channel":"api","via":"api","from_agent":false}'
  req POST /api/customers '{"email":"o@x.test","organization":"ACME"}'; expect_error 400 "organization: unknown field."
  req POST /api/tickets "{\"messages\":[$msg]}"; expect_status 201
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":false,"ticket_id":1}'
  expect_error 400 "ticket_id: unknown field."
  req POST /api/tickets '{"via":"gorgias_chat","messages":[{"channel":"api","from_agent":false}]}'
  expect_error 400 'via: \"gorgias_chat\" is not one of: aircall, api, chat, contact_form, email, facebook, facebook-mention, facebook-messenger, facebook-recommendations, form, help-center, helpdesk, instagram, instagram-ad-comment, instagram-comment, instagram-direct-message, instagram-mention, internal-note, phone, rule, shopify, sms, twilio, t, ....'
  req POST /api/tickets '{"messages":[{"channel":"api","from_agent":false,"sender":"jane"}]}'
  expect_error 400 "messages[0].sender: must be an object."
  req POST /api/tags '{"name":""}'; expect_error 400 "name: must be at least 1 characters long."
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":true,"stripped_html":"<p>x</p>","mention_ids":[1],"sent_datetime":"2021-03-01T10:00:00Z"}'
  expect_status 201
  req POST /api/tickets '{"split_from":1,"messages":[{"channel":"api","from_agent":false}]}'; expect_status 201
  req PUT /api/tickets/1 '{"split_from":2}'; expect_error 400 "split_from: cannot be changed after creation."
  req POST /api/help-center/help-centers/1/articles '{"translation":{"title":"T","content":"<p>c</p>"}}'
  expect_status 201; expect '.translation.is_current' true
  stop
}

# the automation Gorgias runs on tickets: stored rules on its events, every firing
# recorded at /_sandbox/automation, mail a rule would send in the outbox
t_automation() {
  USE_BUILTIN_SCHEMA=1 start
  req POST /api/users '{"email":"agent@x.test","name":"Agent","role":{"name":"agent"}}'; expect_status 201
  req POST /api/rules '{"name":"Tag updates","event_types":"ticket-updated","code":"if (eq(ticket.status, '"'"'open'"'"')) { Action('"'"'addTags'"'"', {tags: '"'"'touched, auto'"'"'}) }"}'
  expect_status 201
  req POST /api/rules '{"name":"Auto-reply","event_types":"ticket-created,ticket-message-created","priority":5,"code":"if (true) { Action('"'"'sendEmail'"'"', {body_text: '"'"'Thanks'"'"'}) }"}'
  expect_status 201
  req POST /api/rules '{"name":"Close on assign","event_types":"ticket-assigned","code":"Action('"'"'setStatus'"'"', {status: '"'"'closed'"'"'})"}'
  expect_status 201
  req POST /api/rules '{"name":"Off","event_types":"ticket-created","deactivated_datetime":"2024-01-01T00:00:00Z","code":"Action('"'"'sendEmail'"'"', {})"}'
  expect_status 201
  # a create fires ticket-created and ticket-updated; the answer is the ticket as created
  req POST /api/tickets '{"customer":{"email":"c@x.test"},"channel":"api","via":"api","messages":[{"channel":"api","via":"api","from_agent":false,"sender":{"email":"c@x.test"},"sent_datetime":"2021-01-01T00:00:00Z"}]}'
  expect_status 201; expect '.tags' '[]'
  sbx GET /_sandbox/automation
  expect '[.data[] | [.event,.object_id,.source,.name,[.actions[].effect]]]' \
    '[["ticket-created",1,"rule","Auto-reply",["outbox"]],["ticket-updated",1,"rule","Tag updates",["tags added"]]]'
  expect '[.data[] | .condition_modelled]' '[true,true]'
  sbx GET /_sandbox/outbox; expect '[.data[] | [.kind,.cause,.ticket_id,.to,.subject]]' '[["automation","Auto-reply",1,"c@x.test","sendEmail"]]'
  req GET /api/tickets/1; expect '[.tags[].name]' '["touched","auto"]'
  # assignment fires ticket-assigned (and ticket-updated); the rule closes the ticket
  req PUT /api/tickets/1 '{"assignee_user":{"id":1}}'; expect_status 200
  sbx GET /_sandbox/automation; expect '[.data[2:][] | [.event,.name]]' '[["ticket-updated","Tag updates"],["ticket-assigned","Close on assign"]]'
  req GET /api/tickets/1; expect '.status' '"closed"'
  # a status change on a closed ticket: the eq() condition no longer holds
  req PUT /api/tickets/1 '{"priority":"high"}'; expect_status 200
  sbx GET /_sandbox/automation; expect '.data | length' 4
  # tags through the sub-route are an update too; a message fires ticket-message-created
  req PUT /api/tickets/1 '{"status":"open"}'; expect_status 200
  req POST /api/tickets/1/tags '{"names":["x"]}'; expect_status 201
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":true,"sender":{"id":1},"sent_datetime":"2021-01-02T00:00:00Z"}'
  expect_status 201
  sbx GET /_sandbox/automation; expect '[.data[4:][] | [.event,.name]]' \
    '[["ticket-updated","Tag updates"],["ticket-updated","Tag updates"],["ticket-message-created","Auto-reply"],["ticket-updated","Tag updates"]]'
  # a refused request leaves no firing
  req PUT /api/tickets/1 '{"assignee_user":{"id":77}}'; expect_status 400
  sbx GET /_sandbox/automation; expect '.data | length' 8
  # a condition outside the modelled subset is taken as true, and said so
  req POST /api/rules '{"name":"Intent","event_types":"ticket-updated","code":"if (containsAny(message.intents, ['"'"'x'"'"'])) { Action('"'"'snoozeTicket'"'"', {}) }"}'
  req PUT /api/tickets/1 '{"priority":"low"}'; expect_status 200
  sbx GET /_sandbox/automation; expect '[.data[-2:][] | [.name,.condition_modelled,[.actions[].effect]]]' \
    '[["Tag updates",true,["tags added"]],["Intent",false,["not modelled"]]]'
  # no rule active: nothing fires
  sbx POST /_sandbox/reset; sbx GET /_sandbox/automation; expect '.data' '[]'
  stop
}

# account settings that act on tickets: off by default, switched on by option or
# /_sandbox/settings, listed by GET /api/account
t_settings() {
  USE_BUILTIN_SCHEMA=1 start --setting satisfaction-surveys.send_survey_for_email=true
  req GET /api/account; expect '[.settings[].type]' '["satisfaction-surveys","auto-merge","ticket-assignment"]'
  expect '.settings[0].data.send_survey_for_email' true; expect '.settings[1].data.tickets.enabled' false
  expect '.current_user.role.name' '"admin"'
  m='{"channel":"email","via":"email","from_agent":false,"sender":{"email":"c@x.test"},"sent_datetime":"2021-01-01T00:00:00Z"}'
  # a closed e-mail ticket: a survey lands in the outbox; an api-channel one does not
  req POST /api/tickets "{\"customer\":{\"email\":\"c@x.test\"},\"channel\":\"email\",\"status\":\"closed\",\"messages\":[$m]}"; expect_status 201
  req POST /api/tickets "{\"customer\":{\"email\":\"c@x.test\"},\"channel\":\"api\",\"status\":\"closed\",\"messages\":[$m]}"; expect_status 201
  sbx GET /_sandbox/outbox; expect '[.data[] | [.cause,.ticket_id,.to]]' '[["satisfaction-surveys",1,"c@x.test"]]'
  sbx GET /_sandbox/automation; expect '[.data[] | [.source,.name,.object_id]]' '[["setting","satisfaction-surveys",1]]'
  # closing by PUT also sends one
  req POST /api/tickets "{\"customer\":{\"email\":\"c@x.test\"},\"channel\":\"email\",\"messages\":[$m]}"; expect_status 201
  req PUT /api/tickets/3 '{"status":"closed"}'; expect_status 200
  sbx GET /_sandbox/outbox; expect '[.data[].ticket_id]' '[1,3]'
  # settings through the sandbox route; an unknown one is a 400
  sbx PUT /_sandbox/settings '{"auto-merge.tickets.enabled":true,"auto-merge.tickets.nope":true}'; expect_error 400 "auto-merge.tickets.nope: no such setting."
  sbx GET /_sandbox/settings; expect '."auto-merge".tickets.enabled' false
  sbx PUT /_sandbox/settings '{"ticket-assignment.auto_assign_ticket_to_responding_agent":true,"ticket-assignment.unassign_on_reply":true,"auto-merge.tickets.enabled":true}'
  expect_status 200; expect '."auto-merge".tickets' '{"enabled":true,"merging_window_days":7}'
  req POST /api/users '{"email":"agent@x.test","name":"Agent","role":{"name":"agent"}}'; expect_status 201
  # auto-assign to the agent who answers; unassign when the customer replies
  req POST /api/tickets/3/messages '{"channel":"email","via":"api","from_agent":true,"sender":{"id":1},"sent_datetime":"2021-01-02T00:00:00Z"}'
  req GET /api/tickets/3; expect '[.status,.assignee_user.id]' '["closed",1]'
  req POST /api/tickets/3/messages "$m"; expect_status 201
  req GET /api/tickets/3; expect '[.status,.assignee_user]' '["open",null]'
  # auto-merge: a new open ticket of the same customer goes into the open one
  req POST /api/tickets "{\"customer\":{\"email\":\"c@x.test\"},\"channel\":\"email\",\"messages\":[$m]}"; expect_status 201
  expect .id 4
  req GET /api/tickets/4; expect_error 404 "Ticket 4 not found."
  req GET /api/tickets/3; expect '.messages | length' 4
  sbx GET /_sandbox/automation
  expect '[.data[] | select(.source != "rule") | .name]' '["satisfaction-surveys","satisfaction-surveys","ticket-assignment","reopen on reply","ticket-assignment","auto-merge"]'
  # a rule that closes the ticket: a survey too
  req POST /api/rules '{"name":"Close","event_types":"ticket-updated","code":"if (eq(ticket.status, '"'"'open'"'"')) { Action('"'"'setStatus'"'"', {status: '"'"'closed'"'"'}) }"}'
  req PUT /api/tickets/3 '{"priority":"high"}'; expect_status 200
  req GET /api/tickets/3; expect .status '"closed"'
  sbx GET /_sandbox/outbox; expect '[.data[] | [.cause,.ticket_id]]' '[["satisfaction-surveys",1],["satisfaction-surveys",3],["satisfaction-surveys",3]]'
  # one setting through the API by its id: the members given change, the rest stay
  req GET /api/account; expect '[.settings[] | [.id,.type]]' '[[1,"satisfaction-surveys"],[2,"auto-merge"],[3,"ticket-assignment"]]'
  req PUT /api/account/settings/2 '{"type":"auto-merge","data":{"tickets":{"enabled":false}}}'
  expect_status 200; expect . '{"id":2,"type":"auto-merge","data":{"tickets":{"enabled":false,"merging_window_days":7}}}'
  sbx GET /_sandbox/settings; expect '."auto-merge".tickets.enabled' false
  req PUT /api/account/settings/2 '{"data":{"tickets":{"enabled":"no"}}}'; expect_error 400 "data.enabled: unknown member or wrong type."
  req PUT /api/account/settings/2 '{"data":{"nope":true}}'; expect_error 400 "data.nope: unknown member or wrong type."
  req PUT /api/account/settings/1 '{"type":"auto-merge","data":{}}'; expect_status 400
  req PUT /api/account/settings/9 '{"data":{}}'; expect_error 404 "Account setting not found."
  stop
  "$SBX" --setting nope=1 2>"$TMP/e"; [ $? = 2 ] || fail "unknown setting must exit 2"
  grep -q "bad --setting (TYPE.KEY=JSON): nope=1" "$TMP/e" || fail "setting message: $(cat "$TMP/e")"
}

# roles: a key whose role may not write a kind gets 403 there only
t_roles() {
  USE_BUILTIN_SCHEMA=1 start --account admin@x.test:ka --account lead@x.test:kl:agent \
    --account obs@x.test:ko:observer-agent --account odd@x.test:a:b:c
  AUTH="lead@x.test:kl"
  req GET /api/account; expect '.current_user.role.name' '"agent"'
  req POST /api/users '{"email":"u@x.test","name":"U","role":{"name":"agent"}}'
  expect_error 403 "Forbidden: the role agent may not POST /api/users."
  req PUT /api/account/settings/1 '{"data":{}}'
  expect_error 403 "Forbidden: the role agent may not PUT /api/account/settings/1."
  req POST /api/customers '{"email":"c@x.test"}'; expect_status 201
  req GET /api/users; expect_status 200
  req POST /api/rules '{"name":"r","event_types":"ticket-created"}'; expect_status 403
  AUTH="obs@x.test:ko"
  req GET /api/customers; expect_status 200; expect '.data | length' 1
  req POST /api/customers '{"email":"d@x.test"}'; expect_error 403 "Forbidden: the role observer-agent may not POST /api/customers."
  req PUT /api/customers/1 '{"name":"x"}'; expect_status 403
  AUTH="admin@x.test:ka"
  req POST /api/users '{"email":"u@x.test","name":"U","role":{"name":"agent"}}'; expect_status 201
  req GET /api/account; expect '.current_user.role.name' '"admin"'
  # a key with colons and no role name at its end keeps them
  AUTH="odd@x.test:a:b:c"; req GET /api/account; expect_status 200
  sbx GET /_sandbox/stats; expect '.routes["POST /api/users"]' '{"403":1,"201":1}'
  stop
}

# the Help Center on its own host, to tokens that expire
t_hchost() {
  USE_BUILTIN_SCHEMA=1 start --help-center-port 0 --help-center-token-ttl 3600 --time-scale 2
  for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/out")" -ge 2 ] && break; sleep 0.05; done
  line=$(sed -n 2p "$TMP/out")
  case "$line" in "help center on http://127.0.0.1:"*) HC=${line#help center on } ;; *) fail "no help center line: $line"; stop; return ;; esac
  [ "$HC" != "$URL" ] || fail "the help center shares the API's port"
  # on the account's host: the token exchange only
  req GET /api/help-center/help-centers; expect_error 403 "Forbidden: the Help Center API is served on its own host."
  req POST /api/help-center/auth; expect_status 200
  expect '[.token_type,.expires_in,(.access_token|length > 20)]' '["Bearer",1800,true]'
  tok=$(printf '%s' "$B" | jq -r .access_token)
  AUTH=bad:bad; req POST /api/help-center/auth; expect_error 401 "Unauthorized."; AUTH="sandbox@example.com:sandbox"
  hc() {  # hc TOKEN METHOD PATH [JSON]
    local data=(); [ $# -ge 4 ] && data=(-H 'Content-Type: application/json' --data-binary "$4")
    ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" -X "$2" "${data[@]}" "$HC$3")
    B=$(cat "$TMP/body")
  }
  hc "$tok" POST /api/help-center/help-centers/1/categories '{"translation":{"title":"FAQ","slug":"faq","locale":"en-US"}}'
  expect_status 201; expect '.translation.title' '"FAQ"'
  hc "$tok" GET /api/help-center/help-centers/1/categories; expect_status 200; expect '.data | length' 1
  # Basic auth, an account key or an unknown token do not open the Help Center host
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -u "$AUTH" "$HC/api/help-center/help-centers"); B=$(cat "$TMP/body"); expect_error 401 "Unauthorized."
  hc sandbox GET /api/help-center/help-centers; expect_error 401 "Unauthorized."
  hc "$tok" GET /api/customers; expect_error 404 "Not found."
  hc "$tok" POST /api/help-center/auth; expect_error 404 "Not found."
  ST=$(curl -s -o /dev/null -w '%{http_code}' "$HC/_sandbox/dump"); [ "$ST" = 404 ] || fail "/_sandbox on the help center host: $ST"
  # expiry: every token issued so far expires; a new one works
  sbx POST /_sandbox/help-center/expire-tokens; expect_status 204
  hc "$tok" GET /api/help-center/help-centers; expect_error 401 "Unauthorized."
  req POST /api/help-center/auth; tok2=$(printf '%s' "$B" | jq -r .access_token)
  [ "$tok2" != "$tok" ] || fail "the same token twice"
  hc "$tok2" GET /api/help-center/help-centers; expect_status 200
  stop
  # a real lifetime: 0.2 s at time scale 10; the token is refused once it has run out
  USE_BUILTIN_SCHEMA=1 start --help-center-port 0 --help-center-token-ttl 2 --time-scale 10
  for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/out")" -ge 2 ] && break; sleep 0.05; done
  HC=$(sed -n 2p "$TMP/out"); HC=${HC#help center on }
  req POST /api/help-center/auth; expect '.expires_in' 0.2; tok=$(printf '%s' "$B" | jq -r .access_token)
  sleep 0.5
  hc "$tok" GET /api/help-center/help-centers; expect_error 401 "Unauthorized."
  stop
  # without --help-center-port the account's host serves the Help Center (old behaviour)
  USE_BUILTIN_SCHEMA=1 start; req GET /api/help-center/help-centers; expect_status 200; stop
}

# ticket behaviour from Gorgias' documentation: reopen on a customer's reply,
# anonymous senders (behind a switch), time-line fields as sent or now
t_ticketmodel() {
  USE_BUILTIN_SCHEMA=1 start
  req POST /api/tickets '{"status":"closed","closed_datetime":"2021-01-03T00:00:00Z","last_message_datetime":"2021-01-02T00:00:00Z","last_received_message_datetime":"2021-01-01T00:00:00Z","messages":[{"channel":"api","via":"api","from_agent":false,"sender":{"email":"c@x.test"},"created_datetime":"2021-01-01T00:00:00Z","sent_datetime":"2021-01-01T00:00:00Z"}]}'
  expect '[.last_message_datetime,.last_received_message_datetime]' '["2021-01-02T00:00:00Z","2021-01-01T00:00:00Z"]'
  # an agent's back-dated message: the ticket stays closed; last_message_datetime is now
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":true,"created_datetime":"2021-01-04T00:00:00Z","sent_datetime":"2021-01-04T00:00:00Z"}'
  req GET /api/tickets/1
  expect '[.status,.last_message_datetime > "2025",.last_received_message_datetime]' '["closed",true,"2021-01-01T00:00:00Z"]'
  # the customer writes into the closed ticket: reopened, recorded
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":false,"sender":{"email":"c@x.test"},"created_datetime":"2021-01-05T00:00:00Z","sent_datetime":"2021-01-05T00:00:00Z"}'
  req GET /api/tickets/1
  expect '[.status,.closed_datetime,.last_received_message_datetime > "2025",.messages_count]' '["open",null,true,3]'
  sbx GET /_sandbox/automation; expect '[.data[] | [.source,.name,.event]]' '[["gorgias","reopen on reply","ticket-message-created"]]'
  # a sender with neither id nor email is accepted by default
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":true,"sender":{"name":"jdoe"}}'; expect_status 201
  stop
  USE_BUILTIN_SCHEMA=1 start --anonymous-sender refuse
  req POST /api/tickets '{"messages":[{"channel":"api","via":"api","from_agent":false,"sender":{"email":"c@x.test"}},{"channel":"api","via":"api","from_agent":true,"sender":{"name":"jdoe"}}]}'
  expect_error 400 "messages[1].sender: needs an id or an email."
  req POST /api/tickets '{"messages":[{"channel":"api","via":"api","from_agent":false,"sender":{"email":"c@x.test"}}]}'; expect_status 201
  req POST /api/tickets/1/messages '{"channel":"api","via":"api","from_agent":true,"sender":{"name":"jdoe","email":""}}'
  expect_error 400 "sender: needs an id or an email."
  req POST /api/tickets/1/messages '{"channel":"internal-note","via":"api","from_agent":true}'; expect_status 201
  stop
  "$SBX" --anonymous-sender maybe 2>"$TMP/e"; [ $? = 2 ] || fail "bad --anonymous-sender must exit 2"
}

# the enterprise window: --rate 40/10 is Gorgias' enterprise bucket (40 calls
# draining over 10 s): the 41st call of a burst is refused, the header counts to
# 40, the 429 names the window. Time scale 0.001 stretches the window to 10,000 s
# so nothing drains during the burst, however slow the machine.
t_enterprise() {
  start --rate 40/10 --time-scale 0.001
  for i in $(seq 1 40); do
    req GET /api/account; [ "$ST" = 200 ] || fail "call $i: $ST"
  done
  [ "$(header X-Gorgias-Account-Api-Call-Limit)" = "40/40" ] || fail "limit header: $(header X-Gorgias-Account-Api-Call-Limit)"
  req GET /api/account; expect_error 429 "Too many requests: the limit is 40 calls per 10 seconds."
  # one slot drains in 10/40 s of the window: the wait is a quarter of a 20 s bucket's half
  ra=$(header Retry-after)
  awk -v r="$ra" 'BEGIN { exit !(r > 200 && r <= 250) }' || fail "Retry-after $ra is not one slot of a 10 s window (250 s scaled)"
  stop
  start --rate 40/20 --time-scale 0.001
  for i in $(seq 1 41); do req GET /api/account; done; expect_status 429
  ra=$(header Retry-after)
  awk -v r="$ra" 'BEGIN { exit !(r > 450 && r <= 500) }' || fail "Retry-after $ra is not one slot of a 20 s window (500 s scaled)"
  stop
}

# --fidelity strict|lenient: the two configurations a probe must tell apart
t_fidelity() {
  anon='{"messages":[{"channel":"api","via":"api","from_agent":true,"sender":{"name":"jdoe"}}]}'
  USE_BUILTIN_SCHEMA=1 start --fidelity strict
  for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/out")" -ge 2 ] && break; sleep 0.05; done
  case "$(sed -n 2p "$TMP/out")" in "help center on http://127.0.0.1:"*) ;; *) fail "strict: no help center host";; esac
  req GET /api/account; expect '[.settings[].data | .. | booleans] | unique' '[true]'
  req POST /api/tickets "$anon"; expect_error 400 "messages[0].sender: needs an id or an email."
  req GET /api/help-center/help-centers; expect_status 403
  stop
  USE_BUILTIN_SCHEMA=1 start --fidelity lenient
  [ "$(wc -l <"$TMP/out")" = 1 ] || fail "lenient: a help center host"
  req GET /api/account; expect '[.settings[].data | .. | booleans] | unique' '[false]'
  req POST /api/tickets "$anon"; expect_status 201
  req PUT /api/tickets/1 '{"created_datetime":"2020-01-01T00:00:00Z","subject":"s"}'; expect_status 200
  req GET /api/help-center/help-centers; expect_status 200
  stop
  # later options win
  USE_BUILTIN_SCHEMA=1 start --fidelity strict --anonymous-sender accept --setting auto-merge.tickets.enabled=false
  req POST /api/tickets "$anon"; expect_status 201
  req GET /api/account; expect '.settings[1].data.tickets.enabled' false
  stop
  "$SBX" --fidelity medium 2>"$TMP/e"; [ $? = 2 ] || fail "bad --fidelity must exit 2"
}

"t_$1"
finish
