-- try-neovim.lua: the by-hand check of `paperdraft lsp` in Neovim, run headless.
--
-- Tried on Debian 12, whose Neovim (0.7.2) is older than the README's snippets; newer ones were unpacked
-- from Debian's packages by docs/editors/get-neovim.sh, each run with its own suite's glibc (the paperdraft
-- child uses the system's):
--   NVIM v0.12.4 (sid 0.12.4-1)            with the README's 0.11+ snippet, and with its 0.8-0.10 snippet
--   NVIM v0.10.4 (trixie 0.10.4-8+deb13u1) with the 0.8-0.10 snippet
-- It checks: the diagnostics against `paperdraft check`, a hover on a cite, the code actions there (Open the
-- paper at p. N reaches xdg-open with #page=N; Jump to the critique moves the cursor), a flag's hover and
-- "I checked this claim", a critique typed over the placeholder, and the document symbols.
--
-- How to run, with $D the folder get-neovim.sh filled ($D/bin: nvim-new, and put there a `paperdraft` on
-- PATH and a stub `xdg-open` that appends its argument to $D/opened.log), in a project holding a draft:
--   TRY_NVIM_DIR=$D PATH=$D/bin:$PATH nvim-new --headless -u init.lua \
--       +'luafile docs/editors/try-neovim.lua' drafts/1706.03762v5-attention-is-all-you-need.md
-- init.lua holds one of the README's snippets, as written. The output goes to stdout and to
-- $D/transcript-run.txt; the script quits Neovim when done.

local D = os.getenv('TRY_NVIM_DIR') or '/tmp/try-neovim'
local out = {}
local function log(...)
  local parts = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    parts[#parts + 1] = type(v) == 'string' and v or vim.inspect(v)
  end
  local line = table.concat(parts, ' ')
  out[#out + 1] = line
  io.stdout:write(line .. '\n')
end
local function finish(code)
  local f = io.open(D .. '/transcript-run.txt', 'w')
  f:write(table.concat(out, '\n') .. '\n'); f:close()
  vim.cmd((code == 0) and 'qa!' or ('cquit ' .. code))
end

local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  local draft = vim.api.nvim_buf_get_name(buf)
  log('== Neovim', tostring(vim.version()), 'filetype=' .. vim.bo[buf].filetype)
  log('draft:', draft)

  -- 0. attach
  local client
  vim.wait(15000, function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'paperdraft' })[1]
    return client ~= nil and client.initialized
  end, 100)
  if not client then error('paperdraft client did not attach within 15 s') end
  log('attached: client id', client.id, 'name', client.name, 'root_dir', client.root_dir,
    'offset_encoding', client.offset_encoding)
  log('server capabilities:', vim.tbl_keys(client.server_capabilities))

  -- 0b. which libc do nvim and the server child use?
  local function libc_of(pid)
    local m = io.open('/proc/' .. pid .. '/maps')
    if not m then return '?' end
    for l in m:lines() do
      local p = l:match('(%S*libc%.so%.6)$')
      if p then m:close(); return p end
    end
    m:close(); return '?'
  end
  local me = vim.fn.getpid()
  log('nvim pid', me, 'libc:', libc_of(me))
  for _, c in ipairs(vim.split(vim.fn.system({ 'pgrep', '-P', tostring(me) }), '\n', { trimempty = true })) do
    local exe = vim.fn.resolve('/proc/' .. c .. '/exe')
    log('child pid', c, 'exe', exe, 'libc:', libc_of(c))
  end

  -- 1. diagnostics vs `paperdraft check`
  local diags = {}
  vim.wait(20000, function() diags = vim.diagnostic.get(buf); return #diags > 0 end, 100)
  vim.wait(1000) -- let any second publish settle
  diags = vim.diagnostic.get(buf)
  table.sort(diags, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
  local sev = { 'error', 'warning', 'info', 'hint' }
  local mine = {}
  log('== 1. diagnostics:', #diags)
  for _, d in ipairs(diags) do
    local l = string.format('%d:%d: %s: %s', d.lnum + 1, d.col + 1, sev[d.severity], d.message)
    mine[#mine + 1] = l
    log('  ' .. l .. '   [source=' .. tostring(d.source) .. ' code=' .. tostring(d.code) .. ']')
  end
  local check = vim.fn.systemlist({ 'paperdraft', 'check', draft })
  local theirs = {}
  for _, l in ipairs(check) do
    local rest = l:match('^.-%.md:(%d+:%d+: .*)$')
    if rest then theirs[#theirs + 1] = rest end
  end
  log('paperdraft check findings:', #theirs, '; identical line:col:severity:message lists:',
    vim.deep_equal(mine, theirs))
  if not vim.deep_equal(mine, theirs) then
    log('  only in LSP:', vim.tbl_filter(function(x) return not vim.tbl_contains(theirs, x) end, mine))
    log('  only in check:', vim.tbl_filter(function(x) return not vim.tbl_contains(mine, x) end, theirs))
  end

  -- find a cite like (p. 4, §3.2.1)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local cite_l, cite_c
  for i, l in ipairs(lines) do
    local s = l:find('%(p%. 4, §')
    if s then cite_l, cite_c = i, s; break end
  end
  log('cite at', cite_l .. ':' .. cite_c, lines[cite_l]:sub(cite_c))
  vim.api.nvim_win_set_cursor(0, { cite_l, cite_c + 1 }) -- inside "(p. 4"

  -- 2. hover, the request K sends
  log('== 2. hover')
  local hres = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(), 5000)
  for _, r in pairs(hres or {}) do
    if r.err then log('hover error', r.err) end
    local c = r.result and r.result.contents
    log(type(c) == 'table' and (c.value or vim.inspect(c)) or tostring(c))
  end

  -- 3. code actions at the cite
  log('== 3. code actions at the cite')
  local function code_actions()
    local p = vim.lsp.util.make_range_params(0, client.offset_encoding)
    p.context = { diagnostics = vim.lsp.diagnostic.from and {} or {}, triggerKind = 1 }
    local lnum = vim.api.nvim_win_get_cursor(0)[1] - 1
    p.context.diagnostics = vim.tbl_map(function(d) return d.user_data and d.user_data.lsp or d end,
      vim.diagnostic.get(buf, { lnum = lnum }))
    local res = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', p, 5000) or {}
    local acts = {}
    for _, r in pairs(res) do
      if r.err then log('codeAction error', r.err) end
      for _, a in ipairs(r.result or {}) do acts[#acts + 1] = a end
    end
    return acts
  end
  local acts = code_actions()
  for _, a in ipairs(acts) do log('  action:', a.title, 'kind=' .. tostring(a.kind), 'command=', a.command) end

  local function run(a)
    -- what vim.lsp.buf.code_action does for a chosen action: apply edit, then exec the command
    if a.edit then vim.lsp.util.apply_workspace_edit(a.edit, client.offset_encoding) end
    if a.command then
      local cmd = type(a.command) == 'table' and a.command or a
      local done, resp = false, nil
      local cb = function(e, r) done, resp = true, { err = e, result = r } end
      if vim.fn.has('nvim-0.11') == 1 then
        client:request('workspace/executeCommand', cmd, cb, buf)
      else -- 0.10: dot syntax
        client.request('workspace/executeCommand', cmd, cb, buf)
      end
      vim.wait(5000, function() return done end, 50)
      log('  executeCommand -> err', resp and resp.err, 'result', resp and resp.result)
    end
  end

  local open
  for _, a in ipairs(acts) do if a.title:match('^Open the paper') then open = a end end
  os.remove(D .. '/opened.log')
  if open then
    log('running:', open.title)
    run(open)
    vim.wait(2000, function() return vim.fn.filereadable(D .. '/opened.log') == 1 end, 50)
    local f = io.open(D .. '/opened.log')
    local got = f and f:read('*a') or '(nothing: stub xdg-open never ran)'
    if f then f:close() end
    log('  opened.log:', vim.trim(got))
    log('  #page=N reached xdg-open:', got:match('#page=%d+') ~= nil)
  else
    log('no "Open the paper" action')
  end

  local jump
  for _, a in ipairs(acts) do if a.title:match('critique') then jump = a end end
  if jump then
    log('running:', jump.title, 'cursor before', vim.api.nvim_win_get_cursor(0))
    run(jump)
    vim.wait(500)
    local cur = vim.api.nvim_win_get_cursor(0)
    log('  cursor after', cur, 'line:', vim.api.nvim_get_current_line(),
      'buf is draft:', vim.api.nvim_get_current_buf() == buf)
  else
    log('no "Jump to the critique" action at the cite')
  end

  -- 3b. the real UI path: vim.lsp.buf.code_action() with vim.ui.select answered by title
  log('== 3b. vim.lsp.buf.code_action() with a stubbed vim.ui.select picking "Open the paper"')
  os.remove(D .. '/opened.log')
  vim.api.nvim_win_set_cursor(0, { cite_l, cite_c + 1 })
  local real_select = vim.ui.select
  local offered = {}
  vim.ui.select = function(items, opts, on_choice)
    local pick
    for i, it in ipairs(items) do
      local a = it.action or it[2] or it
      offered[#offered + 1] = a.title
      if not pick and a.title:match('^Open the paper') then pick = i end
    end
    if pick then on_choice(items[pick], pick) else on_choice(nil) end
  end
  vim.lsp.buf.code_action()
  vim.wait(3000, function() return vim.fn.filereadable(D .. '/opened.log') == 1 end, 50)
  vim.ui.select = real_select
  local f2 = io.open(D .. '/opened.log')
  log('  offered:', offered, ' opened.log:', f2 and vim.trim(f2:read('*a')) or '(nothing)')
  if f2 then f2:close() end

  -- 3c. an unverified flag (none in a --model none draft, so add one to the TL;DR) and "I checked this claim"
  log('== 3c. unverified flag')
  local tl
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do if l:match('^## TL;DR') then tl = i end end
  local flagged = 'The big model reaches 47.3 BLEU on English-to-French. <!-- unverified: 47.3 -->'
  vim.api.nvim_buf_set_lines(buf, tl, tl, false, { '', flagged })
  local fl = tl + 2 -- 1-based line of the flag
  local ud
  vim.wait(5000, function()
    for _, d in ipairs(vim.diagnostic.get(buf, { lnum = fl - 1 })) do if d.code == 'unverified' then ud = d end end
    return ud ~= nil
  end, 50)
  log('  diagnostic on line', fl, ud and string.format('%d:%d %s [%s]', ud.lnum + 1, ud.col + 1, ud.message, ud.code) or 'none')
  local fc = flagged:find('<!--', 1, true)
  vim.api.nvim_win_set_cursor(0, { fl, fc + 2 })
  local hr = vim.lsp.buf_request_sync(buf, 'textDocument/hover',
    vim.lsp.util.make_position_params(0, client.offset_encoding), 5000)
  for _, r in pairs(hr or {}) do
    local c = r.result and r.result.contents
    log('  hover on flag:\n' .. (type(c) == 'table' and (c.value or vim.inspect(c)) or tostring(c)))
  end
  local checked
  for _, a in ipairs(code_actions()) do
    log('  action:', a.title)
    if a.title:match('^I checked') then checked = a end
  end
  if checked then
    run(checked)
    vim.wait(2000, function() return not vim.api.nvim_buf_get_lines(buf, fl - 1, fl, false)[1]:find('unverified') end, 50)
    log('  line after "I checked":', vim.api.nvim_buf_get_lines(buf, fl - 1, fl, false)[1])
    vim.wait(2000, function() return #vim.tbl_filter(function(d) return d.code == 'unverified' end, vim.diagnostic.get(buf)) == 0 end, 50)
    log('  unverified diagnostics left:', #vim.tbl_filter(function(d) return d.code == 'unverified' end, vim.diagnostic.get(buf)))
  end
  vim.api.nvim_buf_set_lines(buf, tl, tl + 2, false, {}) -- take the test sentence out again

  -- 4. typing: replace the TODO(author) line with a 120-word critique
  log('== 4. typing')
  local todo
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:find('TODO(author)', 1, true) then todo = i end
  end
  local critique = table.concat({
    'The paper makes a strong case that attention alone can replace recurrence for translation,',
    'and the BLEU gains on both WMT 2014 tasks come at a much lower training cost than earlier systems.',
    'Still, I am not fully convinced by the generality claim. The evidence rests on two translation',
    'benchmarks and one parsing task, all with fairly short sentences, so the quadratic cost of',
    'self-attention on long inputs is never really tested. The ablations in Table 3 are useful but',
    'vary one setting at a time, which hides interactions between heads, depth and width. I would',
    'like to see how sensitive the results are to the learning rate schedule and warmup, since the',
    'paper tunes them carefully. The released code helps reproduction.',
  }, ' ')
  log('critique words:', #vim.split(critique, '%s+'))
  local function keyset()
    local s = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do s[#s + 1] = (d.lnum + 1) .. ': ' .. d.message end
    return s
  end
  local function has(pat)
    for _, m in ipairs(keyset()) do if m:find(pat) then return true end end
    return false
  end
  log('before: placeholder diag', has('TODO%(author%)'), 'short-critique diag', has('words of your own'))
  local t0 = (vim.uv or vim.loop).hrtime()
  vim.api.nvim_buf_set_lines(buf, todo - 1, todo, false, { critique })
  local gone = vim.wait(5000, function() return not has('TODO%(author%)') and not has('words of your own') end, 50)
  log(string.format('after %.2f s: placeholder diag %s, short-critique diag %s (both gone: %s)',
    ((vim.uv or vim.loop).hrtime() - t0) / 1e9, tostring(has('TODO%(author%)')), tostring(has('words of your own')), tostring(gone)))
  log('diagnostics now:', #vim.diagnostic.get(buf))

  -- 5. document symbols
  log('== 5. document symbols')
  local sres = vim.lsp.buf_request_sync(buf, 'textDocument/documentSymbol',
    { textDocument = vim.lsp.util.make_text_document_params(buf) }, 5000)
  local function walk(syms, depth)
    for _, s in ipairs(syms or {}) do
      local r = s.range or (s.location and s.location.range)
      log(string.rep('  ', depth + 1) .. s.name .. '  (kind ' .. s.kind .. ', line ' .. (r.start.line + 1) .. ')')
      walk(s.children, depth + 1)
    end
  end
  for _, r in pairs(sres or {}) do
    if r.err then log('documentSymbol error', r.err) end
    walk(r.result, 0)
  end

  -- :messages may hold warnings/notifications from the LSP
  log('== :messages')
  log(vim.api.nvim_exec2('messages', { output = true }).output)
end)
if not ok then log('SCRIPT ERROR:', err) end
finish(ok and 0 or 1)
