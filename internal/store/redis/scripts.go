package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts that make each operation atomic: Redis runs a script to
// its end before any other command. Every script gets the namespace's key
// base as ARGV[1] and authmock's clock as ARGV[2] (Unix nanoseconds,
// 20 digits, so that string comparison is numeric comparison: Lua numbers
// are doubles and lose nanoseconds) and ARGV[3] (Unix seconds, for index
// scores and access stamps). Expiry is decided by comparing those
// strings; Redis's own clock and TTLs play no part.

// lib is prepended to every script.
const lib = `
local B, NOW, NOWSEC = ARGV[1], ARGV[2], tonumber(ARGV[3])
local function expired(e) return e ~= nil and e ~= false and e ~= '' and e <= NOW end
local function later(a, b)
  if b == nil or b == false or b == '' then return false end
  if a == '' then return true end
  return a > b
end
local function index(e, score, member)
  if e ~= '' then redis.call('ZADD', B..'x', score, member) end
end
local function dropToken(tok)
  local tk = B..'t:'..tok
  local fam = redis.call('HGET', tk, 'f')
  if not fam then return end
  redis.call('ZREM', B..'x', 't:'..tok)
  redis.call('DEL', tk)
  local fk = B..'f:'..fam
  if redis.call('HGET', fk, 'new') == tok then redis.call('HDEL', fk, 'new') end
  if redis.call('HINCRBY', fk, 'n', -1) <= 0 then
    redis.call('DEL', fk, B..'a:'..fam)
  end
end
-- claim frees tok's name: 'exists' while a live token holds it.
local function claim(tok)
  local e = redis.call('HGET', B..'t:'..tok, 'e')
  if not e then return nil end
  if not expired(e) then return 'exists' end
  dropToken(tok)
  return nil
end
-- join adds access stamps ("exp seq", exp in seconds, 0 none) to a
-- family, dropping those expired, and folds the oldest beyond MAXSTAMPS
-- whole ones into counts ("exp 0 count"), as store.JoinStamps does.
local MAXSTAMPS = 32
local function join(fam, stamps)
  local ak = B..'a:'..fam
  local folded, whole = {}, {}
  for _, s in ipairs(redis.call('LRANGE', ak, 0, -1)) do
    local e, q, n = string.match(s, '^(%d+) (%d+) ?(%d*)$')
    local exp = tonumber(e)
    if exp == 0 or NOWSEC < exp then
      if q == '0' then folded[#folded+1] = {exp, tonumber(n) or 0} else whole[#whole+1] = s end
    end
  end
  for _, s in ipairs(stamps) do whole[#whole+1] = s end
  local extra = #whole - MAXSTAMPS
  for i = 1, extra do
    local exp = tonumber(string.match(whole[i], '^(%d+)'))
    local last = folded[#folded]
    if last and last[1] == exp then last[2] = last[2] + 1 else folded[#folded+1] = {exp, 1} end
  end
  local keep = {}
  for _, f in ipairs(folded) do keep[#keep+1] = f[1]..' 0 '..f[2] end
  for i = math.max(extra, 0) + 1, #whole do keep[#keep+1] = whole[i] end
  redis.call('DEL', ak)
  if #keep > 0 then redis.call('RPUSH', ak, unpack(keep)) end
end
local function addToken(tok, fam, d, e, score, stamps)
  local tk, fk = B..'t:'..tok, B..'f:'..fam
  redis.call('HSET', tk, 'e', e, 'r', '0', 'f', fam, 'd', d)
  index(e, score, 't:'..tok)
  if redis.call('HEXISTS', fk, 'tomb') == 1 then
    redis.call('ZREM', B..'x', 'f:'..fam)
    redis.call('HDEL', fk, 'tomb')
  end
  redis.call('HINCRBY', fk, 'n', 1)
  redis.call('HSET', fk, 'new', tok)
  join(fam, stamps)
end
local function revoke(fam, tomb, tombScore)
  local fk = B..'f:'..fam
  if redis.call('EXISTS', fk) == 0 then
    redis.call('HSET', fk, 'n', 0, 'tomb', tomb)
    redis.call('ZADD', B..'x', tombScore, 'f:'..fam)
  end
  redis.call('HSET', fk, 'v', '1')
end
local function access(fam)
  return redis.call('LRANGE', B..'a:'..fam, 0, -1)
end
-- present judges a presented token: expiry, then reuse, then revocation.
local function present(tok)
  local t = redis.call('HMGET', B..'t:'..tok, 'e', 'r', 'f', 'd')
  if not t[4] then return 'notfound', t end
  if expired(t[1]) then return 'expired', t end
  if t[2] == '1' then return 'reused', t end
  if redis.call('HGET', B..'f:'..t[3], 'v') == '1' then return 'revoked', t end
  return 'ok', t
end
`

// putCode: ARGV[4] code, [5] exp, [6] score, [7] grant JSON.
var putCode = goredis.NewScript(lib + `
local ck = B..'c:'..ARGV[4]
local e = redis.call('HGET', ck, 'e')
if e then
  if not expired(e) then return 'exists' end
  redis.call('ZREM', B..'x', 'c:'..ARGV[4])
end
redis.call('HSET', ck, 'e', ARGV[5], 'u', '0', 'g', ARGV[7])
index(ARGV[5], ARGV[6], 'c:'..ARGV[4])
return 'ok'
`)

// consumeCode: ARGV[4] code, [5] the grant JSON the check approved (empty to
// only judge). Returns {verdict, grant}; 'changed' when the code was
// replaced since it was read.
var consumeCode = goredis.NewScript(lib + `
local c = redis.call('HMGET', B..'c:'..ARGV[4], 'e', 'u', 'g')
if not c[3] then return {'notfound', ''} end
if expired(c[1]) then return {'expired', ''} end
if c[2] == '1' then return {'consumed', c[3]} end
if ARGV[5] == '' then return {'ok', c[3]} end
if c[3] ~= ARGV[5] then return {'changed', ''} end
redis.call('HSET', B..'c:'..ARGV[4], 'u', '1')
return {'ok', c[3]}
`)

// issueRefresh: ARGV[4] token, [5] family, [6] record JSON, [7] exp,
// [8] score, [9...] access stamps.
var issueRefresh = goredis.NewScript(lib + `
if claim(ARGV[4]) then return 'exists' end
if redis.call('HGET', B..'f:'..ARGV[5], 'v') == '1' then return 'revoked' end
local stamps = {}
for i = 9, #ARGV do stamps[#stamps+1] = ARGV[i] end
addToken(ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], stamps)
return 'ok'
`)

// lookupRefresh: ARGV[4] token. Returns {verdict, record JSON, stamps...}.
var lookupRefresh = goredis.NewScript(lib + `
local v, t = present(ARGV[4])
if v == 'notfound' or v == 'expired' then return {v, ''} end
local out = {v, t[4]}
for _, s in ipairs(access(t[3])) do out[#out+1] = s end
return out
`)

// rotateRefresh: ARGV[4] presented, [5] next, [6] the presented record
// JSON the update saw (empty to only judge), [7] successor JSON, [8] its exp,
// [9] score, [10...] its access stamps. A replay revokes the family.
// Returns {verdict, presented record JSON, stamps...}.
var rotateRefresh = goredis.NewScript(lib + `
local v, t = present(ARGV[4])
if v == 'notfound' or v == 'expired' then return {v, ''} end
local out = {v, t[4]}
for _, s in ipairs(access(t[3])) do out[#out+1] = s end
if v == 'reused' then revoke(t[3], '', 0) end
if v ~= 'ok' then return out end
local n = redis.call('HGET', B..'t:'..ARGV[5], 'e')
if n and not expired(n) then return {'exists', ''} end
if ARGV[6] == '' then return out end
if ARGV[6] ~= t[4] then return {'changed', ''} end
claim(ARGV[5])
redis.call('HSET', B..'t:'..ARGV[4], 'r', '1')
local stamps = {}
for i = 10, #ARGV do stamps[#stamps+1] = ARGV[i] end
addToken(ARGV[5], t[3], ARGV[7], ARGV[8], ARGV[9], stamps)
return out
`)

// lookupFamily: ARGV[4] family. Returns {verdict, record JSON, stamps...}.
var lookupFamily = goredis.NewScript(lib + `
local f = redis.call('HMGET', B..'f:'..ARGV[4], 'new', 'v')
if not f[1] then return {'notfound', ''} end
local t = redis.call('HMGET', B..'t:'..f[1], 'e', 'd')
if not t[2] or expired(t[1]) then return {'notfound', ''} end
local v = 'ok'
if f[2] == '1' then v = 'revoked' end
local out = {v, t[2]}
for _, s in ipairs(access(ARGV[4])) do out[#out+1] = s end
return out
`)

// revokeRefresh: ARGV[4] token, [5] tombstone exp, [6] its score. Returns
// the family id, or false for an unknown token.
var revokeRefresh = goredis.NewScript(lib + `
local fam = redis.call('HGET', B..'t:'..ARGV[4], 'f')
if not fam then return false end
revoke(fam, ARGV[5], ARGV[6])
return fam
`)

// revokeFamily: ARGV[4] family, [5] tombstone exp, [6] its score.
var revokeFamily = goredis.NewScript(lib + `
revoke(ARGV[4], ARGV[5], ARGV[6])
return 'ok'
`)

// mark: ARGV[4] key, [5] level, [6] until, [7] its wall-clock deadline,
// [8] until's score. Returns the level before.
var mark = goredis.NewScript(lib + `
local mk = B..'m:'..ARGV[4]
local m = redis.call('HMGET', mk, 'l', 'u')
if not m[1] then
  if expired(ARGV[6]) then return 0 end
  redis.call('HSET', mk, 'l', ARGV[5], 'u', ARGV[6], 'w', ARGV[7])
  if ARGV[6] ~= '' then redis.call('ZADD', B..'y', ARGV[8], ARGV[4]) end
  return 0
end
local before = tonumber(m[1])
redis.call('HSET', mk, 'l', math.max(before, tonumber(ARGV[5])))
if later(ARGV[6], m[2]) then
  redis.call('HSET', mk, 'u', ARGV[6], 'w', ARGV[7])
  if ARGV[6] == '' then redis.call('ZREM', B..'y', ARGV[4])
  else redis.call('ZADD', B..'y', ARGV[8], ARGV[4]) end
end
return before
`)

// raiseCutoff: ARGV[4] key, [5] seq (20 digits). Returns the one before.
var raiseCutoff = goredis.NewScript(lib + `
local before = redis.call('HGET', B..'o', ARGV[4]) or ''
if ARGV[5] > before then redis.call('HSET', B..'o', ARGV[4], ARGV[5]) end
return before
`)

// readLiveness: ARGV[4] the number of mark keys, then the mark keys, then
// the cut-off keys. Returns {level, cut-offs...}.
var readLiveness = goredis.NewScript(lib + `
local nm = tonumber(ARGV[4])
local level = 0
for i = 5, 4 + nm do
  local m = redis.call('HMGET', B..'m:'..ARGV[i], 'l', 'u')
  if m[1] and not expired(m[2]) then level = math.max(level, tonumber(m[1])) end
end
local out = {level}
if #ARGV > 4 + nm then
  local keys = {}
  for i = 5 + nm, #ARGV do keys[#keys+1] = ARGV[i] end
  for _, c in ipairs(redis.call('HMGET', B..'o', unpack(keys))) do out[#out+1] = c or '' end
end
return out
`)

// getRecord: ARGV[4] key. Returns {verdict, value, exp}.
var getRecord = goredis.NewScript(lib + `
local r = redis.call('HMGET', B..'r:'..ARGV[4], 'e', 'v')
if not r[2] then return {'notfound', '', ''} end
if expired(r[1]) then return {'expired', r[2], r[1]} end
return {'ok', r[2], r[1]}
`)

// casRecord sets a record (or deletes it) if it still is what the update
// saw: ARGV[4] key, [5] '1' if it was present (live or not), [6] its value,
// [7] its exp, [8] 'set' or 'del', [9] value, [10] exp, [11] score.
var casRecord = goredis.NewScript(lib + `
local rk = B..'r:'..ARGV[4]
local r = redis.call('HMGET', rk, 'e', 'v')
if ARGV[5] == '1' then
  if r[2] ~= ARGV[6] or r[1] ~= ARGV[7] then return 'changed' end
elseif r[2] then return 'changed' end
redis.call('ZREM', B..'x', 'r:'..ARGV[4])
if ARGV[8] == 'del' then
  redis.call('DEL', rk)
  redis.call('ZREM', B..'ri', ARGV[4])
  return 'ok'
end
redis.call('HSET', rk, 'e', ARGV[10], 'v', ARGV[9])
index(ARGV[10], ARGV[11], 'r:'..ARGV[4])
redis.call('ZADD', B..'ri', 0, ARGV[4])
return 'ok'
`)

// listRecords: ARGV[4] lower bound, [5] upper bound (ZRANGEBYLEX syntax).
// Returns key, value pairs of the live records, sorted by key.
var listRecords = goredis.NewScript(lib + `
local out = {}
for _, k in ipairs(redis.call('ZRANGEBYLEX', B..'ri', ARGV[4], ARGV[5])) do
  local r = redis.call('HMGET', B..'r:'..k, 'e', 'v')
  if r[2] and not expired(r[1]) then out[#out+1] = k; out[#out+1] = r[2] end
end
return out
`)

// sweep drops what has expired: ARGV[4] the wall clock (nanoseconds, 20
// digits), [5] the most to drop. Index scores are whole seconds, so an
// entry found by its score is dropped only if its exact expiry has passed.
// Returns how many index entries it looked at.
var sweep = goredis.NewScript(lib + `
local WALL, limit = ARGV[4], tonumber(ARGV[5])
local due = redis.call('ZRANGEBYSCORE', B..'x', '-inf', NOWSEC, 'LIMIT', 0, limit)
for _, member in ipairs(due) do
  local kind, key = string.sub(member, 1, 1), string.sub(member, 3)
  if kind == 't' then
    local e = redis.call('HGET', B..'t:'..key, 'e')
    if not e or expired(e) then dropToken(key); redis.call('ZREM', B..'x', member) end
  elseif kind == 'f' then
    local f = redis.call('HMGET', B..'f:'..key, 'tomb', 'n')
    if not f[1] or expired(f[1]) then
      if f[1] and tonumber(f[2] or '0') <= 0 then redis.call('DEL', B..'f:'..key) end
      redis.call('ZREM', B..'x', member)
    end
  else
    local k = B..kind..':'..key
    local e = redis.call('HGET', k, 'e')
    if not e or expired(e) then
      redis.call('DEL', k)
      if kind == 'r' then redis.call('ZREM', B..'ri', key) end
      redis.call('ZREM', B..'x', member)
    end
  end
end
local marks = redis.call('ZRANGEBYSCORE', B..'y', '-inf', NOWSEC, 'LIMIT', 0, limit)
for _, key in ipairs(marks) do
  local m = redis.call('HMGET', B..'m:'..key, 'u', 'w')
  if not m[1] then redis.call('ZREM', B..'y', key)
  elseif expired(m[1]) and m[2] <= WALL then
    redis.call('DEL', B..'m:'..key)
    redis.call('ZREM', B..'y', key)
  end
end
return #due + #marks
`)
