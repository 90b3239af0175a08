package main

import "syscall"

// childProcAttr makes the kernel kill a server when this program dies, even
// by SIGKILL, when no deferred clean-up can run.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
