// Package redisfaults keeps the fault queue in Redis (faults.Shared), so
// that replicas on one Redis share it: a rule queued at one replica fires
// at any, and a rule with count 1 fires exactly once across all of them.
//
// Keys, under the store's prefix P:
//
//	P faults        hash id -> the rule as JSON (without its counts)
//	P faults:rem    hash id -> remaining firings (-1: always)
//	P faults:fired  hash id -> firings so far
//	P faults:seq    the last id given out
//
// Every change is published on the channel "P faults", on which each
// replica reloads its mirror; a firing is one Lua script, which decides
// which replica gets the last one.
package redisfaults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/authmock/authmock/internal/faults"
)

// timeout bounds one call to Redis from a request or an admin call.
const timeout = 3 * time.Second

// Store is the faults.Shared of one prefix.
type Store struct {
	rdb                             *goredis.Client
	rules, rem, fired, seq, channel string
}

// New returns the shared queue under prefix.
func New(rdb *goredis.Client, prefix string) *Store {
	k := prefix + "faults"
	return &Store{rdb: rdb, rules: k, rem: k + ":rem", fired: k + ":fired", seq: k + ":seq", channel: k}
}

// Share subscribes to changes and makes q use s. It returns the loop that
// reloads q on every change until stop is closed, for the caller to run.
// onError hears of a failed reload or call.
func (s *Store) Share(ctx context.Context, q *faults.Queue, onError func(error)) (func(stop <-chan struct{}), error) {
	ps := s.rdb.Subscribe(ctx, s.channel)
	if _, err := ps.Receive(ctx); err != nil { // subscribed before loading: no change is missed
		_ = ps.Close()
		return nil, fmt.Errorf("share the fault queue: %w", err)
	}
	if err := q.Share(s, onError); err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("share the fault queue: %w", err)
	}
	return func(stop <-chan struct{}) {
		ch := ps.Channel()
		for {
			select {
			case <-stop:
				_ = ps.Close()
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				if err := q.Reload(); err != nil && onError != nil {
					onError(err)
				}
			}
		}
	}, nil
}

var addScript = goredis.NewScript(`
local id = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], id, ARGV[1])
redis.call('HSET', KEYS[2], id, ARGV[2])
redis.call('HSET', KEYS[3], id, 0)
redis.call('PUBLISH', KEYS[1], 'add')
return id
`)

func (s *Store) keys() []string { return []string{s.rules, s.rem, s.fired, s.seq} }

// Add stores a validated rule under a new id.
func (s *Store) Add(r faults.Rule) (faults.Rule, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r.ID, r.Fired = "", 0
	body, err := json.Marshal(r)
	if err != nil {
		return faults.Rule{}, err
	}
	id, err := addScript.Run(ctx, s.rdb, s.keys(), body, r.Remaining).Int64()
	if err != nil {
		return faults.Rule{}, err
	}
	r.ID = strconv.FormatInt(id, 10)
	return r, nil
}

// Load returns every rule with its counts.
func (s *Store) Load() ([]faults.Rule, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var rules, rem, fired *goredis.MapStringStringCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		rules, rem, fired = p.HGetAll(ctx, s.rules), p.HGetAll(ctx, s.rem), p.HGetAll(ctx, s.fired)
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]faults.Rule, 0, len(rules.Val()))
	for id, body := range rules.Val() {
		var r faults.Rule
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("fault rule %s: %w", id, err)
		}
		r.ID = id
		r.Remaining, _ = strconv.Atoi(rem.Val()[id])
		r.Fired, _ = strconv.Atoi(fired.Val()[id])
		out = append(out, r)
	}
	return out, nil
}

var deleteScript = goredis.NewScript(`
local n = 0
for i = 1, #ARGV do
  n = n + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
end
if n > 0 then redis.call('PUBLISH', KEYS[1], 'delete') end
return n
`)

// Delete removes rules by id.
func (s *Store) Delete(ids ...string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	n, err := deleteScript.Run(ctx, s.rdb, s.keys(), args...).Int()
	return n, err
}

// fireScript counts one firing: false when the rule is gone or used up;
// else {remaining, fired, rule JSON}, the rule deleted with its last one.
var fireScript = goredis.NewScript(`
local rem = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if rem == 0 then return false end
local body = redis.call('HGET', KEYS[1], ARGV[1])
local fired = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if rem > 0 then rem = rem - 1 end
if rem == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], rem)
end
redis.call('PUBLISH', KEYS[1], 'fire')
return {rem, fired, body}
`)

// Fire counts one firing of rule id.
func (s *Store) Fire(id string) (faults.Rule, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	v, err := fireScript.Run(ctx, s.rdb, s.keys(), id).Slice()
	if errors.Is(err, goredis.Nil) {
		return faults.Rule{}, false, nil
	}
	if err != nil || len(v) != 3 {
		return faults.Rule{}, false, err
	}
	var r faults.Rule
	body, _ := v[2].(string)
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return faults.Rule{}, false, err
	}
	rem, _ := v[0].(int64)
	fired, _ := v[1].(int64)
	r.ID, r.Remaining, r.Fired = id, int(rem), int(fired)
	return r, true, nil
}

var _ faults.Shared = (*Store)(nil)
