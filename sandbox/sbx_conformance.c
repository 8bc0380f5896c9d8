/* sbx_conformance: what Gorgias accepts in a request body, one row per (object,
 * field), each with the public source it comes from — the sandbox's acceptance
 * rules, written from ../shared/reference/gorgias-api.md ("api §N") and
 * gorgias-fidelity.md ("fid §N"), never from stdlib/gorgias.hmap. A row whose
 * fact no public source settles carries HM_SBX_CONF_UNCONFIRMED and says why.
 * hm_sbx_conformance_json() renders the table in the `hmapc schema` JSON shape
 * that sbx_validate.c checks bodies with. tests/sandbox/sbx_conformance_test.c
 * compares it with the schema module; sandbox/conformance_differences.md lists
 * every deliberate disagreement. Unknown fields are refused (400): "unknown
 * parameters were specified" is a documented 400 cause (api §4.1 S2, §8; fid §4). */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

#define REQ HM_SBX_CONF_REQUIRED
#define CO HM_SBX_CONF_CREATE_ONLY
#define RO HM_SBX_CONF_READ_ONLY
#define UNC HM_SBX_CONF_UNCONFIRMED
#define NB HM_SBX_CONF_NO_BOUND

#define CHANNELS "aircall|api|chat|contact_form|email|facebook|facebook-mention|" \
  "facebook-messenger|" \
  "facebook-recommendations|help-center|instagram-ad-comment|instagram-comment|" \
  "instagram-direct-message|instagram-mention|internal-note|phone|sms|twitter|" \
  "twitter-direct-message|whatsapp|yotpo-review"
/* the create enum (29): the response TicketVia adds gorgias_chat, offline_capture, self_service */
#define VIA_CREATE "aircall|api|chat|contact_form|email|facebook|facebook-mention|" \
  "facebook-messenger|" \
  "facebook-recommendations|form|help-center|helpdesk|instagram|instagram-ad-comment|" \
  "instagram-comment|instagram-direct-message|instagram-mention|internal-note|phone|rule|" \
  "shopify|sms|twilio|twitter|twitter-direct-message|whatsapp|yotpo|yotpo-review|zendesk"
#define LOCALES "en-US|en-GB|fr-FR|fr-CA|es-ES|de-DE|nl-NL|cs-CZ|" \
  "da-DK|no-NO|it-IT|sv-SE|fi-FI|ja-JP|pt-BR"
#define VIA_SRC \
  "api §5.1.1 (S8 create schemas: 29 values; S6 lists all 32 for create); fid §1.13f [DTO]"

static const hm_sbx_conf_row ROWS[] = {
    /* ---- Ticket: CreateTicket / UpdateTicket ---- */
    {"Ticket", "messages", "list:Message", NULL, 1, 500, REQ | CO, NULL,
     "api §5.1 CreateTicket (S5,S6), not in UpdateTicket; "
     "fid §2 [DOC] create-ticket \"between 1 and 500\""},
    {"Ticket", "via", "enum", VIA_CREATE, NB, NB, UNC, NULL,
     "unconfirmed: required per S6/S7/[BP], optional per S8/[DTO] (api §5.1, fid "
     "§1.13a); " VIA_SRC},
    {"Ticket", "channel", "enum-open", CHANNELS, NB, NB, 0, NULL,
     "api §5.1.1 LegacyChannelSlug (S6,S7,S8), other strings = new-style channel slugs"},
    {"Ticket", "subject", "string", NULL, NB, 998, 0, NULL, "api §5.1 (S7, C1 length)"},
    {"Ticket", "status", "enum", "open|closed", NB, NB, 0, "\"open\"", "api §5.1, §5.1.1 (S7,S8)"},
    {"Ticket", "priority", "enum", "critical|high|normal|low", NB, NB, 0, "\"normal\"",
     "api §5.1.1 (S7,S8); fid §1.13g"},
    {"Ticket", "customer", "ref:Customer", NULL, NB, NB, 0, NULL,
     "api §5.1 {id?, email?, name?} (C2)"},
    {"Ticket", "assignee_user", "ref:User", NULL, NB, NB, 0, NULL, "api §5.1 {id} (C2)"},
    {"Ticket", "assignee_team", "ref:Team", NULL, NB, NB, 0, NULL, "api §5.1 {id} (C2)"},
    {"Ticket", "tags", "list:string", NULL, NB, NB, 0, NULL,
     "api §5.1 [{name, decoration?}] (C2); the tickets route hands the names to the check"},
    {"Ticket", "custom_fields", "list:CustomFieldValue", NULL, NB, NB, 0, NULL,
     "api §5.1 [{id, value}] (C2)"},
    {"Ticket", "external_id", "string", NULL, NB, 255, 0, NULL, "api §5.1 (S5,S7)"},
    {"Ticket", "from_agent", "bool", NULL, NB, NB, 0, NULL, "api §5.1 (C2)"},
    {"Ticket", "language", "string", NULL, NB, 2, 0, NULL, "api §5.1 ISO 639-1 (C2)"},
    {"Ticket", "spam", "bool", NULL, NB, NB, 0, NULL, "api §5.1 (C2)"},
    {"Ticket", "meta", "record", NULL, NB, NB, 0, NULL, "api §5.1 object (C2)"},
    {"Ticket", "created_datetime", "datetime", NULL, NB, NB, CO, NULL,
     "api §5.1 (S7 changelog, S8 UpdateTicket lacks it); fid §2 confirmed (2)"},
    {"Ticket", "opened_datetime", "datetime", NULL, NB, NB, UNC, NULL,
     "unconfirmed: in CreateTicket per [DTO] and [BP] only (api §5.1 S7,S8; fid §1.8); no "
     "[DOC] sentence says Gorgias keeps it (it does for last_message_datetime and "
     "last_received_message_datetime): --fidelity strict accepts and drops it "
     "(--opened-datetime drop), lenient keeps it; hmaprun probe tells them apart"},
    {"Ticket", "closed_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.1 (S7,S8)"},
    {"Ticket", "updated_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.1 (S7,S8)"},
    {"Ticket", "last_message_datetime", "datetime", NULL, NB, NB, 0, NULL,
     "api §5.1 (S7,S8); fid §1.8"},
    {"Ticket", "last_received_message_datetime", "datetime", NULL, NB, NB, 0, NULL,
     "api §5.1 (S7,S8); fid §1.8"},
    {"Ticket", "snooze_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.1 (S7,S8)"},
    {"Ticket", "trashed_datetime", "datetime", NULL, NB, NB, 0, NULL,
     "api §5.1 (S7,S8); soft delete"},
    {"Ticket", "split_from", "int", NULL, NB, NB, CO | UNC, NULL,
     "unconfirmed semantics: api §5.1 (S8 only, C1), not in UpdateTicket"},
    {"Ticket", "imported", "bool", NULL, NB, NB, CO | UNC, NULL,
     "unconfirmed: api §5.1 (S8 only, C1); "
     "fid §2 [DTO] CreateTicket, not UpdateTicket, [BP] lacks it"},

    /* ---- Message: CreateMessage (also each message of a ticket create) ---- */
    {"Message", "channel", "enum-open", CHANNELS, NB, NB, REQ, NULL,
     "api §5.2 (C2); fid §2 [DTO] required"},
    {"Message", "from_agent", "bool", NULL, NB, NB, REQ, NULL,
     "api §5.2 (C2); fid §2 [DOC] 2019, [DTO] required"},
    {"Message", "via", "enum", VIA_CREATE, NB, NB, UNC, NULL,
     "unconfirmed: required per S5/S6/S7, optional per S8 (api §5.2); " VIA_SRC},
    {"Message", "sender", "record", NULL, NB, NB, 0, NULL,
     "api §5.2 {id?, email?, name?, ...} (C2); fid §1.4"},
    {"Message", "receiver", "record", NULL, NB, NB, 0, NULL, "api §5.2 (C2); fid §1.4"},
    {"Message", "source", "record", NULL, NB, NB, 0, NULL,
     "api §5.2 {type?, from?, to?, cc?, bcc?} (C2); fid §1.4"},
    {"Message", "subject", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "body_text", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "body_html", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "stripped_text", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "stripped_html", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "stripped_signature", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "attachments", "list:Attachment", NULL, NB, NB, 0, NULL, "api §5.2 (S7,S8)"},
    {"Message", "public", "bool", NULL, NB, NB, 0, NULL, "api §5.2 false for internal notes (C2)"},
    {"Message", "message_id", "string", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "external_id", "string", NULL, NB, 255, 0, NULL, "api §5.2 (C2)"},
    {"Message", "integration_id", "int", NULL, NB, NB, 0, NULL, "api §5.2, §5.10 (C2)"},
    {"Message", "headers", "record", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "meta", "record", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "macros", "list:record", NULL, NB, NB, 0, NULL, "api §5.2 [{id}] (C2)"},
    {"Message", "actions", "any", NULL, NB, NB, 0, NULL, "api §5.2 (C2, shape not given)"},
    {"Message", "mention_ids", "list:int", NULL, NB, NB, 0, NULL, "api §5.2 internal notes (C2)"},
    {"Message", "last_sending_error", "record", NULL, NB, NB, 0, NULL, "api §5.2 {error} (C2)"},
    {"Message", "created_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "sent_datetime", "datetime", NULL, NB, NB, 0, NULL,
     "api §5.2 set = stored, not sent (S5 official, S6, S7)"},
    {"Message", "failed_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "deleted_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "opened_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Message", "imported", "bool", NULL, NB, NB, UNC, NULL,
     "unconfirmed semantics: api §5.2 (S8 only, C1)"},

    {"Attachment", "url", "ref:Upload", NULL, NB, NB, REQ, NULL,
     "api §5.2, §5.12 the url POST /api/upload answered (S7,S8); fid §2 [DTO], [BP]"},
    {"Attachment", "name", "string", NULL, NB, NB, REQ, NULL,
     "api §5.2 (C2); fid §2 [BP] required, [DTO] optional"},
    {"Attachment", "content_type", "string", NULL, NB, NB, REQ, NULL,
     "api §5.2 (C2); fid §2 [DTO], [BP]"},
    {"Attachment", "size", "int", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Attachment", "public", "bool", NULL, NB, NB, 0, NULL, "api §5.2 (C2)"},
    {"Attachment", "extra", "record", NULL, NB, NB, 0, NULL, "api §5.2 (C2); fid §2 [DTO]"},

    /* ---- Customer ---- */
    {"Customer", "email", "string", NULL, NB, 320, 0, NULL,
     "api §5.3 (S7 length); 409 on a duplicate (S2)"},
    {"Customer", "name", "string", NULL, NB, NB, 0, NULL, "api §5.3 (C2)"},
    {"Customer", "firstname", "string", NULL, NB, NB, 0, NULL, "api §5.3 (C2)"},
    {"Customer", "lastname", "string", NULL, NB, NB, 0, NULL, "api §5.3 (C2)"},
    {"Customer", "external_id", "string", NULL, NB, 255, UNC, NULL,
     "api §5.3 (C2); unconfirmed length: 255 is the ticket's (api §5.1)"},
    {"Customer", "language", "string", NULL, NB, 2, 0, NULL,
     "api §5.3 ISO 639-1 (C2); fid §2 [DTO] enum"},
    {"Customer", "timezone", "string", NULL, NB, NB, 0, NULL, "api §5.3 IANA, default UTC (S7)"},
    {"Customer", "note", "string", NULL, NB, NB, 0, NULL, "api §5.3 (C2)"},
    {"Customer", "channels", "list:CustomerChannel", NULL, NB, NB, UNC, NULL,
     "unconfirmed: required per S6/[DTO], optional per S7/[BP] (api §5.3, fid §1.7)"},
    {"Customer", "meta", "record", NULL, NB, NB, 0, NULL, "api §5.3 object (C2); fid §2 [PD]"},
    {"Customer", "custom_fields", "list:CustomFieldValue", NULL, NB, NB, 0, NULL,
     "api §5.3 (S7, C1)"},
    {"Customer", "data", "record", NULL, NB, NB, 0, NULL, "fid §2 [PD] create-customer sends data"},

    {"CustomerChannel", "type", "enum-open",
     "email|phone|chat|twitter|facebook|instagram|instagram-direct-message|whatsapp", NB, NB,
     REQ | UNC, NULL, "api §5.3 (S6,S7); fid §2 confirmed (2); unconfirmed: required"},
    {"CustomerChannel", "address", "string", NULL, NB, NB, REQ | UNC, NULL,
     "api §5.3 {type, address, preferred} (S6,S7); unconfirmed: required"},
    {"CustomerChannel", "preferred", "bool", NULL, NB, NB, 0, NULL, "api §5.3 (S6,S7)"},

    /* ---- User (role: the wire {"name": ...} is handed to the check as the name) ---- */
    {"User", "email", "string", NULL, NB, 320, REQ | UNC, NULL,
     "api §5.4 (S7,S8); unconfirmed: required (a user logs in with it), length as customers"},
    {"User", "name", "string", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},
    {"User", "firstname", "string", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},
    {"User", "lastname", "string", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},
    {"User", "role", "enum", "admin|agent|basic-agent|bot|internal-agent|lite-agent|observer-agent",
     NB, NB, REQ, NULL,
     "api §5.4 role {name} required per S7, enum observed on the live API (S7,S8); "
     "fid §2 confirmed (2)"},
    {"User", "active", "bool", NULL, NB, NB, 0, "true", "api §5.4 default true (S7)"},
    {"User", "bio", "string", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},
    {"User", "country", "string", NULL, NB, 2, 0, NULL, "api §5.4 ISO-3166 alpha-2"},
    {"User", "external_id", "string", NULL, NB, 255, UNC, NULL,
     "api §5.4; unconfirmed length (the ticket's)"},
    {"User", "language", "enum", "fr|en", NB, NB, 0, NULL, "api §5.4 UI language, fr|en only"},
    {"User", "meta", "record", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},
    {"User", "timezone", "string", NULL, NB, NB, 0, NULL, "api §5.4 (S7,S8)"},

    {"Team", "name", "string", NULL, NB, NB, REQ, NULL, "api §5.5 (S7)"},
    {"Team", "description", "string", NULL, NB, NB, 0, NULL, "api §5.5 (S7)"},
    {"Team", "members", "list:ref:User", NULL, NB, NB, 0, NULL, "api §5.5 [{id}] (S7,S8)"},
    {"Team", "decoration", "record", NULL, NB, NB, 0, NULL, "api §5.5 {emoji} (S7)"},

    {"Tag", "name", "string", NULL, 1, 256, REQ, NULL,
     "api §5.6 1-256, case-sensitive (S7); fid §2"},
    {"Tag", "description", "string", NULL, NB, 1024, 0, NULL, "api §5.6 (S7)"},
    {"Tag", "decoration", "record", NULL, NB, NB, 0, NULL, "api §5.6 {color} (S7)"},

    /* ---- custom fields (deactivated_datetime: the route's extra, it also takes null) ---- */
    {"CustomField", "object_type", "enum", "Ticket|Customer", NB, NB, REQ, NULL,
     "api §5.7 (S7,S8); fid §2"},
    {"CustomField", "label", "string", NULL, 1, 255, REQ, NULL, "api §5.7 1-255 (S7)"},
    {"CustomField", "definition", "record", NULL, NB, NB, REQ, NULL,
     "api §5.7 {data_type, input_settings}"},
    {"CustomField", "description", "string", NULL, NB, 1024, 0, NULL, "api §5.7 (S7)"},
    {"CustomField", "external_id", "string", NULL, NB, 255, UNC, NULL,
     "api §5.7; unconfirmed length"},
    {"CustomField", "priority", "int", NULL, 0, 5000, 0, NULL, "api §5.7 0-5000 (S7)"},
    {"CustomField", "required", "bool", NULL, NB, NB, 0, NULL, "api §5.7 (S7,S8)"},
    {"CustomField", "managed_type", "string", NULL, NB, NB, 0, NULL,
     "api §5.7 (values listed by S8 only)"},
    {"CustomField", "requirement_type", "enum", "visible|required|conditional", NB, NB, 0, NULL,
     "api §5.7 (S8 only, C1)"},

    {"CustomFieldValue", "id", "ref:CustomField", NULL, NB, NB, REQ, NULL,
     "api §5.1, §5.7 definition id (S7,S8)"},
    {"CustomFieldValue", "value", "any", NULL, NB, NB, REQ, NULL,
     "api §5.1 string|number|boolean (S7,S8)"},

    {"SatisfactionSurvey", "ticket_id", "ref:Ticket", NULL, NB, NB, REQ, NULL, "api §5.11 (S7,S8)"},
    {"SatisfactionSurvey", "customer_id", "ref:Customer", NULL, NB, NB, REQ, NULL,
     "api §5.11 (S7,S8)"},
    {"SatisfactionSurvey", "score", "int", NULL, 1, 5, 0, NULL, "api §5.11 1-5"},
    {"SatisfactionSurvey", "body_text", "string", NULL, NB, 1000, 0, NULL, "api §5.11 (S7)"},
    {"SatisfactionSurvey", "created_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.11"},
    {"SatisfactionSurvey", "scored_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.11"},
    {"SatisfactionSurvey", "sent_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.11"},
    {"SatisfactionSurvey", "should_send_datetime", "datetime", NULL, NB, NB, 0, NULL,
     "api §5.11 null = not sent; fid §2 confirmed (2)"},
    {"SatisfactionSurvey", "meta", "record", NULL, NB, NB, 0, NULL, "api §5.11"},

    /* ---- Help Center: top-level members and the translation's, flattened by the
     * route (seo_meta, image_url: its wire-only members) ---- */
    {"HelpCenterCategory", "title", "string", NULL, NB, NB, REQ | UNC, NULL,
     "api §5.15 translation (S14 only, C1); unconfirmed: required"},
    {"HelpCenterCategory", "description", "string", NULL, NB, NB, 0, NULL, "api §5.15 (S14, C1)"},
    {"HelpCenterCategory", "slug", "string", NULL, NB, NB, 0, NULL,
     "api §5.15 alphanumerics and hyphens"},
    {"HelpCenterCategory", "locale", "enum", LOCALES, NB, NB, UNC, "\"en-US\"",
     "api §5.15 15 locales (S14); unconfirmed: the default (the help center's default_locale)"},
    {"HelpCenterCategory", "parent_category_id", "ref:HelpCenterCategory", NULL, NB, NB, 0, NULL,
     "api §5.15 (S14)"},
    {"HelpCenterCategory", "visibility_status", "enum", "PUBLIC|UNLISTED", NB, NB, UNC,
     "\"PUBLIC\"", "api §5.15 (S14); unconfirmed: the default"},

    {"HelpCenterArticle", "category_id", "ref:HelpCenterCategory", NULL, NB, NB, 0, NULL,
     "api §5.15 (S14)"},
    {"HelpCenterArticle", "title", "string", NULL, NB, NB, REQ | UNC, NULL,
     "api §5.15 (S14, C1); unconfirmed: required"},
    {"HelpCenterArticle", "content", "string", NULL, NB, NB, REQ | UNC, NULL,
     "api §5.15 HTML (S14, C1); unconfirmed: required"},
    {"HelpCenterArticle", "excerpt", "string", NULL, NB, NB, 0, NULL, "api §5.15 (S14)"},
    {"HelpCenterArticle", "slug", "string", NULL, NB, NB, 0, NULL, "api §5.15 (S14)"},
    {"HelpCenterArticle", "locale", "enum", LOCALES, NB, NB, UNC, "\"en-US\"",
     "api §5.15 (S14); unconfirmed: the default"},
    {"HelpCenterArticle", "is_current", "bool", NULL, NB, NB, 0, "true",
     "api §5.15 \"is_current (default true) = publish; false = draft only\" (S14, C1)"},
    {"HelpCenterArticle", "visibility_status", "enum", "PUBLIC|UNLISTED", NB, NB, UNC, "\"PUBLIC\"",
     "api §5.15 (S14); unconfirmed: the default"},

    {"Rule", "name", "string", NULL, NB, NB, REQ | UNC, NULL,
     "api §5.9 (S7,S8); unconfirmed: required"},
    {"Rule", "code", "string", NULL, NB, NB, 0, NULL, "api §5.9 JavaScript"},
    {"Rule", "code_ast", "record", NULL, NB, NB, 0, NULL, "api §5.9 ESTree, derived if absent"},
    {"Rule", "description", "string", NULL, NB, NB, 0, NULL, "api §5.9"},
    {"Rule", "event_types", "string", NULL, NB, NB, 0, NULL, "api §5.9 comma string; fid §2 [BP]"},
    {"Rule", "priority", "int", NULL, NB, NB, 0, NULL, "api §5.9 higher runs first"},
    {"Rule", "deactivated_datetime", "datetime", NULL, NB, NB, 0, NULL, "api §5.9 null = active"},

    /* PUT /api/account/settings/{id}: hmaprun run --pause-automation switches one off */
    {"AccountSetting", "type", "string", NULL, NB, NB, UNC, NULL,
     "fid §1.9 [DTO] AccountSetting*Typed {id, type, data}; unconfirmed: the PUT by id"},
    {"AccountSetting", "data", "record", NULL, NB, NB, REQ | UNC, NULL,
     "fid §1.9 [DTO] (satisfaction-surveys, auto-merge, ticket-assignment members)"},
};

const hm_sbx_conf_row *hm_sbx_conformance(size_t *n) {
  *n = sizeof ROWS / sizeof ROWS[0];
  return ROWS;
}

/* "enum"/"enum-open" with VALUES, "ref:T", "list:<type>", a scalar kind, or an
 * object name (a nested target) → the schema JSON type. */
static cJSON *type_json(const char *t, const char *values) {
  cJSON *ty = cJSON_CreateObject();
  static const char *const SCALARS[] = {"string", "number", "int", "bool", "datetime", "any",
                                        "record", NULL};
  for (int i = 0; SCALARS[i]; i++)
    if (strcmp(t, SCALARS[i]) == 0) { cJSON_AddStringToObject(ty, "kind", t); return ty; }
  if (strncmp(t, "enum", 4) == 0) {
    cJSON_AddStringToObject(ty, "kind", "enum");
    cJSON *vals = cJSON_AddArrayToObject(ty, "values");
    for (const char *p = values; p && *p;) {
      size_t n = strcspn(p, "|");
      char one[64];
      snprintf(one, sizeof one, "%.*s", (int)n, p);
      cJSON_AddItemToArray(vals, cJSON_CreateString(one));
      p += n + (p[n] == '|');
    }
    cJSON_AddBoolToObject(ty, "open", strcmp(t, "enum-open") == 0);
  } else if (strncmp(t, "ref:", 4) == 0) {
    cJSON_AddStringToObject(ty, "kind", "ref");
    cJSON_AddStringToObject(ty, "target", t + 4);
  } else if (strncmp(t, "list:", 5) == 0) {
    cJSON_AddStringToObject(ty, "kind", "list");
    cJSON_AddItemToObject(ty, "of", type_json(t + 5, values));
  } else {
    cJSON_AddStringToObject(ty, "kind", "object");
    cJSON_AddStringToObject(ty, "target", t);
  }
  return ty;
}

static cJSON *row_json(const hm_sbx_conf_row *r) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "name", r->field);
  cJSON_AddItemToObject(f, "type", type_json(r->type, r->values));
  cJSON_AddBoolToObject(f, "required", (r->flags & REQ) != 0);
  cJSON_AddBoolToObject(f, "create_only", (r->flags & CO) != 0);
  cJSON_AddBoolToObject(f, "readonly", (r->flags & RO) != 0);
  if (r->max != NB) cJSON_AddNumberToObject(f, "max", r->max); else cJSON_AddNullToObject(f, "max");
  if (r->min != NB) cJSON_AddNumberToObject(f, "min", r->min); else cJSON_AddNullToObject(f, "min");
  cJSON *d = r->dflt ? cJSON_Parse(r->dflt) : NULL;
  cJSON_AddItemToObject(f, "default", d ? d : cJSON_CreateNull());
  cJSON_AddStringToObject(f, "source", r->source);
  cJSON_AddBoolToObject(f, "unconfirmed", (r->flags & UNC) != 0);
  return f;
}

static cJSON *target_of(cJSON *targets, const char *name) {
  for (cJSON *t = targets->child; t; t = t->next)
    if (strcmp(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, name) == 0) return t;
  cJSON *t = cJSON_CreateObject();
  cJSON_AddStringToObject(t, "name", name);
  cJSON_AddArrayToObject(t, "fields");
  cJSON_AddItemToArray(targets, t);
  return t;
}

char *hm_sbx_conformance_json(void) {
  size_t n;
  const hm_sbx_conf_row *rows = hm_sbx_conformance(&n);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "module", "gorgias-conformance");
  cJSON *targets = cJSON_AddArrayToObject(root, "targets");
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(target_of(targets, rows[i].object),
                                                          "fields"), row_json(&rows[i]));
  char *out = cJSON_Print(root);
  cJSON_Delete(root);
  return out;
}
