// Package keyload turns the key specifications of a configuration file
// (fixtures.KeySpec) into a jwtutil.KeySet: it finds the material (a builtin
// demo key, a file, inline PEM or JWK, an HS256 secret, or a freshly
// generated key), checks it against the declared algorithm and reports every
// problem with its JSON path.
//
// It is separate because fixtures must stay a plain description of data and
// jwtutil must stay free of configuration concerns (file paths, base
// directories, problem paths); every dialect that signs tokens shares this
// one loader instead of growing its own.
package keyload
