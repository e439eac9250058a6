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
# increment ('' = none), ARGV[4..] = stream field/value pairs.
# Returns {entry id, 1} when stored, {existing id, 0} for a duplicate, {'', -1} without session.
APPEND = """
if ARGV[1] ~= '' then
  local existing = redis.call('HGET', KEYS[1], ARGV[1])
  if existing then return {existing, 0} end
end
if redis.call('EXISTS', KEYS[3]) == 0 then return {'', -1} end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], id) end
redis.call('HSET', KEYS[3], 'last_activity', ARGV[2])
if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[3], 1) end
return {id, 1}
"""
