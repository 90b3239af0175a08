// Command authmock runs local emulators of OAuth2/OIDC authorization
// servers, one provider instance per configured dialect, with demo clients,
// users and keys built in.
//
//	authmock [serve] [flags]       run the server (the default command)
//	authmock config --print        print the effective configuration
//	authmock config --check        validate a configuration file
//	authmock token --client ID     mint a token without running a server
//	authmock version               print version and build information
//
// Settings come from the embedded defaults, then the file given by --config
// (or AUTHMOCK_CONFIG), then AUTHMOCK_* environment variables, then flags.
//
// The command only parses arguments, wires the pieces together and prints;
// configuration lives in internal/config and serving in internal/server, so
// that tests and the Go harness build exactly the same server.
package main
