//go:build !linux

package main

import "syscall"

// childProcAttr has nothing to add outside Linux: children are killed by
// the deferred clean-up, and the bare baseline also exits when its stdin
// closes.
func childProcAttr() *syscall.SysProcAttr { return nil }
