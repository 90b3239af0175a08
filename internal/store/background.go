package store

import (
	"sync"
	"time"
)

// Background runs a backend's work beside its calls (the sweep timer, a
// subscription) until Stop, which waits for it to return. Every backend
// has the same needs here, so they share this one.
type Background struct {
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// NewBackground returns a Background with nothing running.
func NewBackground() *Background { return &Background{stop: make(chan struct{})} }

// Go runs fn until Stop; fn returns when stop is closed.
func (bg *Background) Go(fn func(stop <-chan struct{})) {
	bg.wg.Add(1)
	go func() {
		defer bg.wg.Done()
		fn(bg.stop)
	}()
}

// Every calls fn each interval until Stop. The ticker runs on real time:
// it only paces the work; what has expired is judged on the injected clock
// as always. A zero or negative interval runs nothing.
func (bg *Background) Every(interval time.Duration, fn func()) {
	if interval <= 0 {
		return
	}
	bg.Go(func(stop <-chan struct{}) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fn()
			}
		}
	})
}

// Stop ends what is running and waits for it; calling it again does
// nothing.
func (bg *Background) Stop() {
	bg.once.Do(func() { close(bg.stop) })
	bg.wg.Wait()
}
