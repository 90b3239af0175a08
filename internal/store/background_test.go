package store_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/store"
)

func TestBackground(t *testing.T) {
	bg := store.NewBackground()
	var ticks, ran atomic.Int32
	bg.Every(time.Millisecond, func() { ticks.Add(1) })
	bg.Every(0, func() { t.Error("a zero interval runs nothing") })
	bg.Go(func(stop <-chan struct{}) { <-stop; ran.Add(1) })
	assert.Eventually(t, func() bool { return ticks.Load() >= 3 }, 5*time.Second, time.Millisecond)
	bg.Stop()
	assert.Equal(t, int32(1), ran.Load(), "Stop waits for what runs")
	bg.Stop() // again: nothing
}
