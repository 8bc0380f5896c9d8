-- lsp_client.lua: Neovim (headless, its built-in LSP client) drives `hmapc lsp` as an
-- editor would: opens a map, waits for diagnostics, introduces an error and sees it
-- reported, fixes it and sees it go, asks for completion, hover, definition, symbols and
-- formatting. Writes one "ok ..." or "FAIL ..." line per check to $RESULT, then quits.
-- Environment: HMAPC (the binary), MAP (a copy of tests/editor/nvim/sample.hmap), RESULT.
local hmapc, map, result = os.getenv("HMAPC"), os.getenv("MAP"), os.getenv("RESULT")
local lines = {}
local function check(cond, what) table.insert(lines, (cond and "ok " or "FAIL ") .. what) end
local function finish()
  local f = io.open(result, "w")
  f:write(table.concat(lines, "\n") .. "\n")
  f:close()
  vim.cmd("qa!")
end

vim.cmd("edit " .. map)
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = "hmapc", cmd = { hmapc, "lsp" },
                                  root_dir = vim.fn.fnamemodify(map, ":h") })
check(id ~= nil, "the client starts hmapc lsp")
if not id then return finish() end
vim.lsp.buf_attach_client(buf, id)
local uri = vim.uri_from_bufnr(buf)

local function has_diag(pattern)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.message:find(pattern, 1, true) then return d end
  end
end

-- 1. diagnostics on open: the sample map mistypes a source field on line 7
check(vim.wait(10000, function() return has_diag("no field 'nam'") ~= nil end, 20),
      "diagnostics on open name the mistyped field")
local d = has_diag("no field 'nam'")
check(d and d.lnum == 6 and d.col == 13 and d.severity == vim.diagnostic.severity.ERROR,
      "the diagnostic is an error at line 7, column 14")

-- 2. an error introduced by an edit is reported; fixing everything clears the list
vim.api.nvim_buf_set_lines(buf, 6, 7, false, { "  name = src.name ?? skip" })
vim.api.nvim_buf_set_lines(buf, 7, 8, false, { "  external_id = \"p:\" + txt(src.id)" })
check(vim.wait(10000, function() return has_diag("txt") ~= nil end, 20),
      "an edit's unknown builtin is reported")
vim.api.nvim_buf_set_lines(buf, 7, 8, false, { "  external_id = \"p:\" + text(src.id)" })
check(vim.wait(10000, function()
  local errs = 0
  for _, x in ipairs(vim.diagnostic.get(buf)) do
    if x.severity == vim.diagnostic.severity.ERROR then errs = errs + 1 end
  end
  return errs == 0
end, 20), "fixing the edit clears the errors")

local function request(method, params)
  params.textDocument = { uri = uri }
  local res = vim.lsp.buf_request_sync(buf, method, params, 10000)
  return res and res[id] and res[id].result
end
local function labels(items)
  local seen = {}
  for _, it in ipairs(items or {}) do seen[it.label] = true end
  return seen
end

-- 3. completion: source fields after src., Gorgias fields at a statement, enum values
local c = labels(request("textDocument/completion", { position = { line = 6, character = 13 } }))
check(c.email and c.name and c.id, "src. completes the source's fields")
vim.api.nvim_buf_set_lines(buf, 8, 8, false, { "  " })
c = labels(request("textDocument/completion", { position = { line = 8, character = 2 } }))
check(c.external_id and c.channels and c.let, "a statement completes Customer's fields")
vim.api.nvim_buf_set_lines(buf, 8, 9, false, {})
c = labels(request("textDocument/completion", { position = { line = 11, character = 11 } }))
check(c['"open"'] and c['"closed"'], "status = completes the enum's values")

-- a one-line record: its second field completes the message's fields, `.` the source's
local line14 = vim.api.nvim_buf_get_lines(buf, 14, 15, false)[1]
c = labels(request("textDocument/completion",
                   { position = { line = 14, character = line14:find("via =", 1, true) } }))
check(c.sender and c.public and c.body_html, "a record's second field completes Message's fields")
c = labels(request("textDocument/completion",
                   { position = { line = 14, character = line14:find(".name", 1, true) } }))
check(c.email and c.name and c.id, "a bare . completes the source's fields")

-- 4. hover on a Gorgias field shows its type and limit
local h = request("textDocument/hover", { position = { line = 5, character = 3 } })
check(h and h.contents and h.contents.value:find("max 320", 1, true),
      "hover on email shows its type and limit")

-- 5. go to definition of a setting
local def = request("textDocument/definition", { position = { line = 12, character = 28 } })
check(def and def.range and def.range.start.line == 2, "definition of $fallback_agent: line 3")

-- 6. document symbols
local syms = request("textDocument/documentSymbol", {})
local names = labels(vim.tbl_map(function(s) return { label = s.name } end, syms or {}))
check(names["Person -> Customer"] and names["Person"] and names["$fallback_agent"],
      "document symbols list the setting, the source and the rules")

-- 7. formatting: a line indented by three spaces comes back at two
vim.api.nvim_buf_set_lines(buf, 7, 8, false, { "     external_id = \"p:\" + text(src.id)" })
vim.lsp.buf.formatting_sync(nil, 10000)
check(vim.api.nvim_buf_get_lines(buf, 7, 8, false)[1] == "  external_id = \"p:\" + text(src.id)",
      "formatting re-indents the line")

vim.lsp.stop_client(id)
finish()
