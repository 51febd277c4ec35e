package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a random id with a readable prefix, like "ws_5f3kq9...".
func NewID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b) // never fails (crypto/rand panics on a broken system source)
	return prefix + "_" + idEncoding.EncodeToString(b)
}

// NewSecret returns a random token to show once and the hash to store instead.
func NewSecret() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSecret(token)
}

// HashSecret is the stored form of a secret token.
func HashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented token with a stored hash in constant time.
func SecretMatches(token, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(strings.TrimSpace(token))), []byte(hash)) == 1
}
