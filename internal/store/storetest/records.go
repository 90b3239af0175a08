package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

func testRecords(t *testing.T, newBackend factory) {
	get := func(t *testing.T, f *fixture, key string) string {
		t.Helper()
		v, err := f.st.GetRecord(f.ctx, key)
		require.NoError(t, err, "GetRecord(%q)", key)
		return string(v)
	}
	// setTo is an update func that stores v, with expiry exp.
	setTo := func(v string, exp time.Time) func([]byte, bool) ([]byte, time.Time, error) {
		return func([]byte, bool) ([]byte, time.Time, error) { return []byte(v), exp, nil }
	}

	t.Run("put then get returns a copy of the value", func(t *testing.T) {
		f := setup(t, newBackend)
		v := []byte(`{"cloud":1}`)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", v, time.Time{}))
		v[2] = 'X' // the caller's slice

		got, err := f.st.GetRecord(f.ctx, "k")
		require.NoError(t, err)
		require.Equal(t, `{"cloud":1}`, string(got), "PutRecord must copy the value")
		got[2] = 'X'
		assert.Equal(t, `{"cloud":1}`, get(t, f, "k"), "GetRecord must return a copy")
	})

	t.Run("missing record is ErrNotFound", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), time.Time{}))
		_, err := f.st.GetRecord(f.ctx, "k2")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("put replaces value and expiry", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("old"), t0.Add(time.Hour)))
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("new"), time.Time{}))

		f.clk.Advance(2 * time.Hour)
		assert.Equal(t, "new", get(t, f, "k"))
	})

	t.Run("record lives until just before it expires", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), t0.Add(time.Hour)))
		f.clk.Set(t0.Add(time.Hour - tick))
		assert.Equal(t, "v", get(t, f, "k"))
	})

	t.Run("expired record is ErrExpired, unlisted and not found by update", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), t0.Add(time.Hour)))
		f.clk.Advance(time.Hour + time.Second)

		_, err := f.st.GetRecord(f.ctx, "k")
		assert.ErrorIs(t, err, store.ErrExpired)
		listed, err := f.st.ListRecords(f.ctx, "")
		require.NoError(t, err)
		assert.Empty(t, listed)

		called := false
		require.NoError(t, f.st.UpdateRecord(f.ctx, "k", func(old []byte, found bool) ([]byte, time.Time, error) {
			called = true
			assert.False(t, found)
			assert.Nil(t, old)
			return []byte("fresh"), time.Time{}, nil
		}))
		assert.True(t, called)
		assert.Equal(t, "fresh", get(t, f, "k"))
	})

	t.Run("zero expiry keeps a record for ten years", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), time.Time{}))
		f.clk.Advance(tenYears)
		assert.Equal(t, "v", get(t, f, "k"))
	})

	t.Run("delete removes a record and tolerates a missing one", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), time.Time{}))
		require.NoError(t, f.st.PutRecord(f.ctx, "k2", []byte("v2"), time.Time{}))

		require.NoError(t, f.st.DeleteRecord(f.ctx, "k"))
		_, err := f.st.GetRecord(f.ctx, "k")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.NoError(t, f.st.DeleteRecord(f.ctx, "k"), "deleting again")
		assert.NoError(t, f.st.DeleteRecord(f.ctx, "never"), "deleting a missing record")
		assert.Equal(t, "v2", get(t, f, "k2"))
	})

	t.Run("list returns the live records under a prefix", func(t *testing.T) {
		f := setup(t, newBackend)
		for _, kv := range [][2]string{{"a/2", "2"}, {"b/1", "b"}, {"a/1", "1"}, {"a/3", "3"}, {"ab", "ab"}} {
			require.NoError(t, f.st.PutRecord(f.ctx, kv[0], []byte(kv[1]), time.Time{}))
		}
		require.NoError(t, f.st.PutRecord(f.ctx, "a/4", []byte("4"), t0.Add(time.Minute)))
		f.clk.Advance(time.Hour) // a/4 is now expired

		for _, tc := range []struct {
			prefix string
			want   []string // key=value, in key order
		}{
			{"a/", []string{"a/1=1", "a/2=2", "a/3=3"}},
			{"a", []string{"a/1=1", "a/2=2", "a/3=3", "ab=ab"}},
			{"a/2", []string{"a/2=2"}},
			{"", []string{"a/1=1", "a/2=2", "a/3=3", "ab=ab", "b/1=b"}},
			{"z", []string{}},
		} {
			got, err := f.st.ListRecords(f.ctx, tc.prefix)
			require.NoError(t, err)
			strs := []string{}
			for _, rec := range got {
				strs = append(strs, rec.Key+"="+string(rec.Value))
			}
			assert.Equal(t, tc.want, strs, "prefix %q", tc.prefix)
		}

		got, err := f.st.ListRecords(f.ctx, "a/1")
		require.NoError(t, err)
		require.Len(t, got, 1)
		got[0].Value[0] = 'X'
		assert.Equal(t, "1", get(t, f, "a/1"), "ListRecords must return copies")
	})

	t.Run("update creates a missing record", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.UpdateRecord(f.ctx, "k", func(old []byte, found bool) ([]byte, time.Time, error) {
			assert.False(t, found)
			assert.Nil(t, old)
			return []byte("v"), t0.Add(time.Hour), nil
		}))
		assert.Equal(t, "v", get(t, f, "k"))

		f.clk.Advance(time.Hour + time.Second)
		_, err := f.st.GetRecord(f.ctx, "k")
		assert.ErrorIs(t, err, store.ErrExpired, "the expiry update returned applies")
	})

	t.Run("update replaces a live record and its expiry", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("old"), time.Time{}))
		require.NoError(t, f.st.UpdateRecord(f.ctx, "k", func(old []byte, found bool) ([]byte, time.Time, error) {
			assert.True(t, found)
			assert.Equal(t, "old", string(old))
			return append(old, "+new"...), t0.Add(time.Hour), nil
		}))
		assert.Equal(t, "old+new", get(t, f, "k"))

		f.clk.Advance(time.Hour + time.Second)
		_, err := f.st.GetRecord(f.ctx, "k")
		assert.ErrorIs(t, err, store.ErrExpired)
	})

	t.Run("failing update changes nothing", func(t *testing.T) {
		for _, existing := range []bool{true, false} {
			name := map[bool]string{true: "existing record", false: "missing record"}[existing]
			t.Run(name, func(t *testing.T) {
				f := setup(t, newBackend)
				if existing {
					require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("old"), t0.Add(time.Hour)))
				}
				err := f.st.UpdateRecord(f.ctx, "k", func(old []byte, _ bool) ([]byte, time.Time, error) {
					if len(old) > 0 {
						old[0] = 'X' // scribbling on the argument must not reach the store
					}
					return []byte("new"), time.Time{}, errBoom
				})
				assert.ErrorIs(t, err, errBoom)

				v, err := f.st.GetRecord(f.ctx, "k")
				if !existing {
					assert.ErrorIs(t, err, store.ErrNotFound)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, "old", string(v))
				f.clk.Advance(time.Hour + time.Second)
				_, err = f.st.GetRecord(f.ctx, "k")
				assert.ErrorIs(t, err, store.ErrExpired, "the old expiry still applies")
			})
		}
	})

	t.Run("update returning nil deletes", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutRecord(f.ctx, "k", []byte("v"), time.Time{}))
		for _, key := range []string{"k", "missing"} {
			require.NoError(t, f.st.UpdateRecord(f.ctx, key, func([]byte, bool) ([]byte, time.Time, error) {
				return nil, time.Time{}, nil
			}), key)
			_, err := f.st.GetRecord(f.ctx, key)
			assert.ErrorIs(t, err, store.ErrNotFound, key)
		}
	})

	t.Run("update returning an empty value keeps an empty record", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.UpdateRecord(f.ctx, "k", setTo("", time.Time{})))
		v, err := f.st.GetRecord(f.ctx, "k")
		require.NoError(t, err, "only nil deletes")
		assert.Empty(t, v)
	})
}
