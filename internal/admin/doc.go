// Package admin is authmock's control plane under /_authmock/: what no
// real provider offers a tester. It moves the clock every provider reads,
// queues faults, shows the journal of recent exchanges, and resets state.
//
// It is reachable from loopback only unless a bearer token is configured;
// with one, every call must present it, from anywhere.
package admin
