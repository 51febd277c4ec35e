package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/resources"
)

// The app-key secrets' KMS key: only the apps function encrypts with it and only
// the runtime function decrypts, each on that key's ARN and nothing else.
func TestAppKeysKMSIsLeastPrivilege(t *testing.T) {
	s := synth(t)
	keyArn := getAttArn(s.logicalID(s.stack.AppKeysKey))
	byRole := s.roleStatements(t)
	for _, fn := range resources.Functions {
		var kms []statement
		for _, st := range byRole[s.logicalID(s.stack.Roles[fn.Name])] {
			for _, a := range st.Actions {
				if strings.HasPrefix(a, "kms:") {
					kms = append(kms, st)
					break
				}
			}
		}
		var want []string
		if slices.Contains(fn.Permissions, resources.KeysEncrypt) {
			want = append(want, "kms:Encrypt")
		}
		if slices.Contains(fn.Permissions, resources.KeysDecrypt) {
			want = append(want, "kms:Decrypt")
		}
		var got []string
		for _, st := range kms {
			if st.Effect != "Allow" || !slices.Equal(st.Resources, []string{keyArn}) {
				t.Errorf("%s: KMS statement %+v is not scoped to the app-keys key %s", fn.Name, st, keyArn)
			}
			got = append(got, st.Actions...)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: KMS actions %v, want %v", fn.Name, got, want)
		}
	}
}
