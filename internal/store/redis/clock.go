package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/authmock/authmock/internal/clock"
)

// sharedTimeout bounds one change of shared state (an admin call).
const sharedTimeout = 3 * time.Second

// casSet sets KEYS[1] to ARGV[2] and publishes it on the channel of the
// same name if it still holds ARGV[1] ("" for absent): a compare-and-set
// that tells every replica.
var casSet = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[1], ARGV[2])
return 1
`)

// ShareClock makes c's setting (offset, frozen instant) the one every
// replica on this Redis and prefix uses: the first replica's setting is
// stored, the others take it, every change is a compare-and-set on the
// shared setting, and each replica hears of the others' changes through
// pub/sub (within milliseconds; Now stays a local read). onError hears of
// a change that could not be shared.
func (b *Backend) ShareClock(ctx context.Context, c *clock.Controlled, onError func(error)) error {
	key := b.prefix + "clock"
	ps := b.rdb.Subscribe(ctx, key)
	if _, err := ps.Receive(ctx); err != nil { // subscribed before reading: no change is missed
		_ = ps.Close()
		return fmt.Errorf("share the clock: %w", err)
	}
	sh := &sharedClock{rdb: b.rdb, key: key}
	s, err := sh.load(ctx, c.State())
	if err != nil {
		_ = ps.Close()
		return fmt.Errorf("share the clock: %w", err)
	}
	c.Apply(s)
	c.Share(sh, onError)
	b.Go(func(stop <-chan struct{}) {
		ch := ps.Channel()
		for {
			select {
			case <-stop:
				_ = ps.Close()
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				var s clock.State
				if json.Unmarshal([]byte(m.Payload), &s) == nil {
					c.Apply(s)
				}
			}
		}
	})
	return nil
}

type sharedClock struct {
	rdb *goredis.Client
	key string
}

// load returns the shared setting, storing mine if there is none yet.
func (sh *sharedClock) load(ctx context.Context, mine clock.State) (clock.State, error) {
	mine.Version = 1
	raw, err := json.Marshal(mine)
	if err != nil {
		return clock.State{}, err
	}
	if err := sh.rdb.SetNX(ctx, sh.key, raw, 0).Err(); err != nil {
		return clock.State{}, err
	}
	got, err := sh.rdb.Get(ctx, sh.key).Result()
	if err != nil {
		return clock.State{}, err
	}
	var s clock.State
	return s, json.Unmarshal([]byte(got), &s)
}

// Update is a compare-and-set loop on the shared setting.
func (sh *sharedClock) Update(op func(clock.State) clock.State) (clock.State, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	for ctx.Err() == nil {
		cur, err := sh.rdb.Get(ctx, sh.key).Result()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return clock.State{}, err
		}
		var s clock.State
		if cur != "" {
			if err := json.Unmarshal([]byte(cur), &s); err != nil {
				return clock.State{}, err
			}
		}
		n := op(s)
		n.Version = s.Version + 1
		raw, err := json.Marshal(n)
		if err != nil {
			return clock.State{}, err
		}
		ok, err := casSet.Run(ctx, sh.rdb, []string{sh.key}, cur, raw).Int()
		if err != nil {
			return clock.State{}, err
		}
		if ok == 1 {
			return n, nil
		}
	}
	return clock.State{}, fmt.Errorf("shared clock: %w", ctx.Err())
}
