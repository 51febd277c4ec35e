package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// profileConfig is one profile of config.json: where the API and Cognito are.
// It holds no secrets.
type profileConfig struct {
	API             string `json:"api,omitempty"`
	Region          string `json:"region,omitempty"`
	ClientID        string `json:"clientId,omitempty"`
	CognitoEndpoint string `json:"cognitoEndpoint,omitempty"` // emulators only
}

type configFile struct {
	Profiles map[string]profileConfig `json:"profiles"`
}

// credentials is one profile of credentials.json. Never printed.
type credentials struct {
	Email        string    `json:"email,omitempty"`
	IDToken      string    `json:"idToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

type credentialsFile struct {
	Profiles map[string]credentials `json:"profiles"`
}

const (
	configName      = "config.json"
	credentialsName = "credentials.json"
)

// store reads and writes mpdp's files in one directory (<user config dir>/mpdp).
type store struct{ dir string }

func (c *cli) store() (store, error) {
	base, err := c.configDir()
	if err != nil {
		return store{}, fmt.Errorf("cannot find the user config directory (set $HOME or $XDG_CONFIG_HOME): %w", err)
	}
	return store{dir: filepath.Join(base, "mpdp")}, nil
}

func (s store) loadConfig() (configFile, error) {
	var f configFile
	err := s.read(configName, &f)
	if f.Profiles == nil {
		f.Profiles = map[string]profileConfig{}
	}
	return f, err
}

func (s store) saveConfig(f configFile) error { return s.write(configName, f, 0o644) }

func (s store) loadCredentials() (credentialsFile, error) {
	var f credentialsFile
	err := s.read(credentialsName, &f)
	if f.Profiles == nil {
		f.Profiles = map[string]credentials{}
	}
	return f, err
}

// saveCredentials writes the token cache readable by the owner only.
func (s store) saveCredentials(f credentialsFile) error { return s.write(credentialsName, f, 0o600) }

// profileCredentials returns the cached credentials of profile, if any.
func (s store) profileCredentials(profile string) (credentials, bool, error) {
	f, err := s.loadCredentials()
	if err != nil {
		return credentials{}, false, err
	}
	cr, ok := f.Profiles[profile]
	return cr, ok, nil
}

// putCredentials replaces one profile's credentials.
func (s store) putCredentials(profile string, cr credentials) error {
	f, err := s.loadCredentials()
	if err != nil {
		return err
	}
	f.Profiles[profile] = cr
	return s.saveCredentials(f)
}

func (s store) read(name string, v any) error {
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is damaged (%v); fix or delete it", filepath.Join(s.dir, name), err)
	}
	return nil
}

// write replaces a file atomically: a temp file (created 0600) renamed over it.
func (s store) write(name string, v any, perm fs.FileMode) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, "."+name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.dir, name))
}

// profile resolves the current profile's settings: flags, then environment,
// then config.json.
func (c *cli) profile() (profileConfig, error) {
	st, err := c.store()
	if err != nil {
		return profileConfig{}, err
	}
	f, err := st.loadConfig()
	if err != nil {
		return profileConfig{}, err
	}
	p := f.Profiles[c.opts.profile]
	p.API = firstNonEmpty(c.opts.api, c.getenv("MPDP_API"), p.API)
	p.CognitoEndpoint = firstNonEmpty(c.opts.cognitoEndpoint, c.getenv("MPDP_COGNITO_ENDPOINT"), p.CognitoEndpoint)
	p.API = strings.TrimRight(p.API, "/")
	return p, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
