package appkeys

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/mpdp/platform/shared/domain"
)

// CacheTTL is how long a function instance keeps a decrypted secret, so that a
// busy key costs one KMS call per instance per CacheTTL, not one per request.
// Revocation does not wait for it: the key's status is read on every request.
const CacheTTL = 5 * time.Minute

// Secrets encrypts app key secrets with a KMS key and decrypts them, caching
// decrypted secrets in memory for CacheTTL. The ciphertext is bound to the app
// and the key id by the encryption context, so a ciphertext copied to another
// key's item does not decrypt. Secrets never leave the function in plain text
// except in the one response that creates them.
type Secrets struct {
	client *kms.Client
	keyID  string // the KMS key's id, ARN or alias
	now    func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]cachedSecret // by SHA-256 of the ciphertext
}

type cachedSecret struct {
	secret  string
	expires time.Time
}

// NewSecrets returns the secrets store on KMS key keyID.
func NewSecrets(client *kms.Client, keyID string, now func() time.Time) *Secrets {
	if now == nil {
		now = time.Now
	}
	return &Secrets{client: client, keyID: keyID, now: now, cache: map[[32]byte]cachedSecret{}}
}

func encryptionContext(appID, keyID string) map[string]string {
	return map[string]string{"mpdp:app": appID, "mpdp:key": keyID}
}

// Encrypt returns the ciphertext of an app key's secret.
func (s *Secrets) Encrypt(ctx context.Context, appID, keyID, secret string) ([]byte, error) {
	if s == nil || s.keyID == "" {
		return nil, fmt.Errorf("app key secrets: %w: no KMS key is configured", domain.ErrUnavailable)
	}
	out, err := s.client.Encrypt(ctx, &kms.EncryptInput{KeyId: &s.keyID, Plaintext: []byte(secret),
		EncryptionContext: encryptionContext(appID, keyID)})
	if err != nil {
		return nil, kmsErr(err, "encrypt")
	}
	return out.CiphertextBlob, nil
}

// Decrypt returns the secret of an app key from its ciphertext.
func (s *Secrets) Decrypt(ctx context.Context, appID, keyID string, ciphertext []byte) (string, error) {
	if s == nil || s.keyID == "" {
		return "", fmt.Errorf("app key secrets: %w: no KMS key is configured", domain.ErrUnavailable)
	}
	h := sha256.Sum256(append([]byte(appID+"\x00"+keyID+"\x00"), ciphertext...))
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[h]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.secret, nil
	}
	out, err := s.client.Decrypt(ctx, &kms.DecryptInput{KeyId: &s.keyID, CiphertextBlob: ciphertext,
		EncryptionContext: encryptionContext(appID, keyID)})
	if err != nil {
		return "", kmsErr(err, "decrypt")
	}
	secret := string(out.Plaintext)
	s.mu.Lock()
	for k, v := range s.cache { // drop expired entries so the cache stays small
		if !now.Before(v.expires) {
			delete(s.cache, k)
		}
	}
	s.cache[h] = cachedSecret{secret: secret, expires: now.Add(CacheTTL)}
	s.mu.Unlock()
	return secret, nil
}

// kmsErr: throttling and server faults mean KMS is unavailable (503).
func kmsErr(err error, what string) error {
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorFault() == smithy.FaultServer || api.ErrorCode() == "ThrottlingException" ||
		api.ErrorCode() == "KMSInternalException" || api.ErrorCode() == "DependencyTimeoutException" {
		return fmt.Errorf("kms %s: %w: %w", what, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("kms %s: %w", what, err)
}
