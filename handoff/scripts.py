"""Lua scripts that make each state change and each append atomic in Redis."""

# KEYS[1] = session hash. ARGV[1] = comma-separated allowed states, ARGV[2] = agent id that must
# hold the session ('' = anyone), ARGV[3..] = field/value pairs to set.
# Returns {status, previous state, previous agent}; status is ok, missing, state or agent.
TRANSITION = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', '', ''} end
local agent = redis.call('HGET', KEYS[1], 'agent_id') or ''
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == state then allowed = true end
end
if not allowed then return {'state', state, agent} end
if ARGV[2] ~= '' and ARGV[2] ~= agent then return {'agent', state, agent} end
if #ARGV > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3)) end
return {'ok', state, agent}
"""

# KEYS[1] = dedupe hash, KEYS[2] = transcript stream, KEYS[3] = session hash.
# ARGV[1] = client id ('' = no de-duplication), ARGV[2] = timestamp, ARGV[3] = counter field to
# increment ('' = none), ARGV[4] = agent who must hold the session ('' = anyone), ARGV[5] = field
# set once to the timestamp ('' = none), ARGV[6] = live channel, ARGV[7] = the entry as JSON,
# ARGV[8..] = stream field/value pairs.
# Returns {entry id, status, session state}; status 1 = stored, 0 = duplicate (the stored id),
# -1 = no such session, -2 = the session is not assigned to ARGV[4].
# The live event is published here, in the same atomic step as the XADD: a stored message is
# always announced, in transcript order, and the event names the entry before it ("prev") so a
# listener can tell whether it missed one.
APPEND = """
local session = redis.call('HMGET', KEYS[3], 'state', 'agent_id')
local state = session[1]
if not state then return {'', -1, ''} end
if ARGV[4] ~= '' and (state ~= 'assigned' or session[2] ~= ARGV[4]) then return {'', -2, state} end
if ARGV[1] ~= '' then
  local existing = redis.call('HGET', KEYS[1], ARGV[1])
  if existing then return {existing, 0, state} end
end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local prev = ''
if #last > 0 then prev = last[1][1] end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 8))
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], id) end
redis.call('HSET', KEYS[3], 'last_activity', ARGV[2])
if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[3], 1) end
if ARGV[5] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[5], ARGV[2]) end
local event = '{"kind":"message","id":"' .. id .. '","prev":"' .. prev .. '","entry":' .. ARGV[7] .. '}'
redis.call('PUBLISH', ARGV[6], event)
return {id, 1, state}
"""

# KEYS[1] = queue ticket counter, KEYS[2] = queue sorted set, KEYS[3] = handoffs sorted set,
# KEYS[4] = session hash. ARGV[1] = session id, ARGV[2] = now (the handoffs index's score).
# Returns the ticket (also kept on the session, as its place in the arrival order). Taking the
# ticket and joining the queue in one step keeps the queue's order the arrival order at every
# instant: an assignment can never see ticket 6 while ticket 5 is numbered but not yet queued.
ENQUEUE = """
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[4], 'ticket', ticket)
return ticket
"""

# KEYS[1] = session hash, KEYS[2] = agent's presence hash, KEYS[3] = agent's sessions set,
# KEYS[4] = queue sorted set, KEYS[5] = last assignment per agent (sorted set),
# KEYS[6] = recent waits list.
# ARGV[1] = session id, ARGV[2] = agent id, ARGV[3] = agent name, ARGV[4] = now, ARGV[5] = '1' to
# require the agent online with a free place ('' = no check).
# Returns {status, state, holder}: ok; missing; state (not queued: its state and holder say why);
# agent (the agent is away, offline or full).
# The state check, the capacity check and every index an assignment touches change together, so
# claims and automatic assignments on any number of gateways never give a chat twice and never
# put an agent over capacity.
ASSIGN = """
local session = redis.call('HMGET', KEYS[1], 'state', 'agent_id', 'queued_at')
local state = session[1]
if not state then return {'missing', '', ''} end
if state ~= 'queued' then return {'state', state, session[2] or ''} end
if ARGV[5] == '1' then
  local agent = redis.call('HMGET', KEYS[2], 'presence', 'capacity')
  if agent[1] ~= 'online' then return {'agent', state, ''} end
  if redis.call('SCARD', KEYS[3]) >= tonumber(agent[2] or '0') then return {'agent', state, ''} end
end
redis.call('HSET', KEYS[1], 'state', 'assigned', 'agent_id', ARGV[2], 'agent_name', ARGV[3], 'claimed_at', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2])
local now = tonumber(ARGV[4])
redis.call('LPUSH', KEYS[6], tostring(now - (tonumber(session[3] or ARGV[4]) or now)))
redis.call('LTRIM', KEYS[6], 0, 99)
return {'ok', state, ''}
"""
