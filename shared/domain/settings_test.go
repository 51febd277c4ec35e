package domain

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func encoded(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func le24(n int) []byte { return []byte{byte(n), byte(n >> 8), byte(n >> 16)} }

func webpVP8X(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00")
	return append(append(b, le24(w-1)...), le24(h-1)...)
}

func webpVP8L(w, h int) []byte {
	v := uint32(w-1) | uint32(h-1)<<14
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x05\x00\x00\x00\x2f")
	b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	return append(b, make([]byte, 8)...)
}

func ico(size byte) []byte {
	b := []byte{0, 0, 1, 0, 1, 0, size, size}
	return append(b, make([]byte, 20)...)
}

func TestCheckImage(t *testing.T) {
	for _, c := range []struct {
		name     string
		kind     ImageKind
		data     []byte
		wantType string
		wantErr  string
	}{
		{"png logo", ImageLogo, encoded(t, "png", 300, 300), "image/png", ""},
		{"jpeg logo", ImageLogo, encoded(t, "jpeg", 64, 64), "image/jpeg", ""},
		{"png logo not square", ImageLogo, encoded(t, "png", 300, 120), "image/png", "square"},
		{"jpeg logo not square", ImageLogo, encoded(t, "jpeg", 64, 2048), "image/jpeg", "square"},
		{"small png logo", ImageLogo, encoded(t, "png", 63, 100), "image/png", "64 to 2048"},
		{"huge png logo", ImageLogo, encoded(t, "png", 2049, 100), "image/png", "64 to 2048"},
		{"webp VP8X logo", ImageLogo, webpVP8X(512, 512), "image/webp", ""},
		{"webp VP8X logo not square", ImageLogo, webpVP8X(512, 256), "image/webp", "square"},
		{"webp VP8L favicon", ImageFavicon, webpVP8L(48, 48), "image/webp", ""},
		{"webp VP8L favicon not square", ImageFavicon, webpVP8L(48, 32), "image/webp", "square"},
		{"ico favicon 256", ImageFavicon, ico(0), "image/x-icon", ""},
		{"ico favicon 8", ImageFavicon, ico(8), "image/x-icon", "16 to 256"},
		{"png favicon not square", ImageFavicon, encoded(t, "png", 32, 16), "image/png", "square"},
		{"svg", ImageLogo, []byte("\ufeff<?xml version=\"1.0\"?>\n<!-- x --><svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "image/svg+xml", ""},
		{"svg with script", ImageFavicon, []byte(`<svg><ScRiPt>alert(1)</script></svg>`), "image/svg+xml", "script"},
		{"html", ImageLogo, []byte(`<html><svg/></html>`), "", "not a PNG"},
		{"text", ImageLogo, []byte("hello"), "", "not a PNG"},
		{"truncated png", ImageLogo, []byte("\x89PNG\r\n\x1a\n\x00"), "", "not a readable"},
		{"empty", ImageLogo, nil, "", "empty"},
		{"too large", ImageLogo, make([]byte, MaxAssetBytes+1), "", "1 MiB"},
	} {
		img, msg := CheckImage(c.kind, c.data)
		if (c.wantErr == "") != (msg == "") || !strings.Contains(msg, c.wantErr) || img.Type != c.wantType {
			t.Errorf("%s: %+v %q, want type %q error %q", c.name, img, msg, c.wantType, c.wantErr)
		}
	}
}

func TestSettingsInputValidate(t *testing.T) {
	ok := SettingsInput{Branding: Branding{Logo: "assets/ws_a/logo.png"}, Domains: Domains{Console: "console.example.com", API: "api.example.com"},
		AboutUsURL: "https://example.com/about", Email: EmailSettings{SenderAddress: "a@example.com"}}
	if err := ok.Validate("ws_a"); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"https://x.com", "x.com:443", "X.com", "x", "-x.com", "x.com/", "1.2.3.4", "x..com", strings.Repeat("a", 64) + ".com"} {
		in := ok
		in.Domains.Console = host
		if in.Validate("ws_a") == nil {
			t.Errorf("console %q accepted", host)
		}
	}
	for _, u := range []string{"http://x.com", "//x.com/a", "https://", "https://user:pw@x.com", "https://x.com/a b", "javascript:alert(1)"} {
		in := ok
		in.AboutUsURL = u
		if in.Validate("ws_a") == nil {
			t.Errorf("aboutUsUrl %q accepted", u)
		}
	}
	in := ok
	in.Branding.Logo = "assets/ws_b/logo.png"
	if in.Validate("ws_a") == nil {
		t.Error("another workspace's asset accepted")
	}
}
