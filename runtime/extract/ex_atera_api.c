/* ex_atera_api: Atera's REST routes that `hmaprun extract atera` calls, in one table (a
 * source system's API, as stdlib/gorgias/hm_gorgias.c is the target's; tests/arch/literals.sh
 * lets API paths stand here and nowhere else in runtime/). Each route is in Atera's OpenAPI
 * document (tests/atera/atera-openapi.json, sources-atera-smartertrack.md A1), which
 * tests/atera/standin.py checks every request against. */
#include "ex.h"

static const ex_atera_list lists[] = {
  {"customers", "/api/v3/customers", "CustomerID"},
  {"contacts", "/api/v3/contacts", "EndUserID"},
  /* includeRelations: RelationType and RelatedTicketId, which the map's `after` reads */
  {"tickets", "/api/v3/tickets?includeRelations=true", "TicketID"},
  {"knowledgebases", "/api/v3/knowledgebases", "KBID"},
  {"contracts", "/api/v3/contracts", "ContractID"},
  {"agents", "/api/v3/agents", "AgentID"},
  {"alerts", "/api/v3/alerts", "AlertID"},
};

const ex_atera_api EX_ATERA = {
  .lists = lists,
  .nlists = sizeof lists / sizeof *lists,
  .account = "/api/v3/account",
  .custom_fields = "/api/v3/customvalues/customfields",
  .comments = "/api/v3/tickets/%ld/comments",
  .workhours = "/api/v3/tickets/%ld/workhoursrecords",
  .attachments = "/api/v3/tickets/%ld/attachments",
  .ticket_values = "/api/v3/customvalues/ticketfields/%ld",
  .values = "/api/v3/customvalues/%s/%.0f",
};
