package domain

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

const svgNS = `xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"`

func TestSVGProblem(t *testing.T) {
	for _, c := range []struct {
		name, svg, want string // want: "" or a part of the message
	}{
		{"plain", `<svg ` + svgNS + ` viewBox="0 0 10 10"><rect width="10" height="10" fill="#f00"/></svg>`, ""},
		{"editor output", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<!-- Generator: x -->\n" +
			`<svg ` + svgNS + `><defs><style>.a{fill:#0a0}</style><linearGradient id="g"><stop offset="0"/></linearGradient></defs>` +
			`<g class="a"><use xlink:href="#g"/><a href="https://example.com/"><text>Acme &amp; Co</text></a></g></svg>`, ""},
		{"embedded png", `<svg ` + svgNS + `><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>`, ""},

		{"onload", `<svg ` + svgNS + ` onload="alert(1)"/>`, "event handler attribute onload"},
		{"onload upper case", `<svg ` + svgNS + `><g ONCLICK="alert(1)"/></svg>`, "event handler"},
		{"onload namespaced", `<svg ` + svgNS + ` xmlns:x="urn:x"><g x:onmouseover="alert(1)"/></svg>`, "event handler"},
		{"script", `<svg ` + svgNS + `><script>alert(1)</script></svg>`, "<script>"},
		{"script in CDATA", `<svg ` + svgNS + `><script><![CDATA[alert(1)]]></script></svg>`, "<script>"},
		{"xhtml script", `<svg ` + svgNS + ` xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>`, "<script>"},
		{"xhtml element", `<svg ` + svgNS + ` xmlns:h="http://www.w3.org/1999/xhtml"><h:img src="x"/></svg>`, "namespace"},
		{"foreignObject", `<svg ` + svgNS + `><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>`, "foreignObject"},
		{"javascript href", `<svg ` + svgNS + `><a href="javascript:alert(1)"><text>x</text></a></svg>`, "script URL"},
		{"javascript xlink:href", `<svg ` + svgNS + `><a xlink:href="JavaScript:alert(1)"><text>x</text></a></svg>`, "script URL"},
		{"javascript with tab and entity", `<svg ` + svgNS + `><a href="&#106;ava&#9;script:alert(1)"><text>x</text></a></svg>`, "script URL"},
		{"data href on a", `<svg ` + svgNS + `><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>x</text></a></svg>`, "data: URL"},
		{"svg data image", `<svg ` + svgNS + `><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`, "data: URL"},
		{"set", `<svg ` + svgNS + `><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>`, "<set>"},
		{"animate", `<svg ` + svgNS + `><a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>`, "<animate>"},
		{"animateTransform", `<svg ` + svgNS + `><g><animateTransform attributeName="transform"/></g></svg>`, "animateTransform"},
		{"external use", `<svg ` + svgNS + `><use href="https://evil.example/sprite.svg#x"/></svg>`, "<use>"},
		{"external use xlink", `<svg ` + svgNS + `><use xlink:href="other.svg#x"/></svg>`, "<use>"},
		{"entity", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg ` + svgNS + `>&x;</svg>`, "entities"},
		{"external entity", `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg ` + svgNS + `/>`, "entities"},
		{"stylesheet PI", `<?xml-stylesheet href="https://evil.example/x.css"?><svg ` + svgNS + `/>`, "processing instruction"},
		{"style import", `<svg ` + svgNS + `><style>@import url(https://evil.example/x.css);</style></svg>`, "imports"},
		{"style javascript url", `<svg ` + svgNS + `><g style="background:url(javascript:alert(1))"/></svg>`, "script URL"},
		{"iframe", `<svg ` + svgNS + `><iframe src="https://evil.example"/></svg>`, "<iframe>"},
		{"handler", `<svg ` + svgNS + `><handler type="text/javascript">alert(1)</handler></svg>`, "handler"},
		{"not closed", `<svg ` + svgNS + `><g>`, "well-formed"},
		{"other encoding", `<?xml version="1.0" encoding="UTF-7"?><svg ` + svgNS + `/>`, "well-formed"},
		{"root not svg", `<html><svg/></html>`, "not <svg>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := svgProblem([]byte(c.svg))
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("svgProblem = %q, want %q", got, c.want)
			}
			// Through CheckImage, as the settings API uses it.
			if isSVG([]byte(c.svg)) {
				if _, msg := CheckImage(ImageLogo, []byte(c.svg)); (msg == "") != (c.want == "") {
					t.Errorf("CheckImage says %q", msg)
				}
			}
		})
	}
}

// FuzzSVG feeds arbitrary documents to CheckImage. It must never panic, and
// an SVG it accepts must have, by a second, simpler reading with RawToken, no
// scriptable construct: no forbidden element, no on* attribute, no script
// URL, no entity declaration, no processing instruction but the XML one.
func FuzzSVG(f *testing.F) {
	for _, seed := range []string{
		`<svg ` + svgNS + `><rect width="1"/></svg>`,
		`<svg ` + svgNS + ` onload="alert(1)"/>`,
		`<svg ` + svgNS + `><script>alert(1)</script></svg>`,
		`<svg ` + svgNS + `><a href="java&#9;script:x"><text>x</text></a></svg>`,
		`<svg ` + svgNS + `><use href="#a"/><image href="data:image/png;base64,AA=="/></svg>`,
		`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>`,
		`<svg><set attributeName="href" to="javascript:x"/></svg>`,
		`<svg><style>@import url(x.css)</style></svg>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, msg := CheckImage(ImageLogo, data)
		if msg != "" || img.Type != "image/svg+xml" {
			return
		}
		if why := scriptableByRawTokens(data); why != "" {
			t.Fatalf("accepted an SVG with %s", why)
		}
	})
}

// scriptableByRawTokens reads data token by token without namespaces.
func scriptableByRawTokens(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return "unreadable XML: " + err.Error()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "script", "foreignobject", "set", "animate", "animatemotion", "animatetransform", "animatecolor", "handler", "listener", "iframe", "embed", "object":
				return "element " + t.Name.Local
			}
			for _, a := range t.Attr {
				v := strings.ToLower(strings.Join(strings.FieldsFunc(a.Value, func(r rune) bool { return r <= ' ' || r == 0x7f }), ""))
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || strings.Contains(v, "javascript:") {
					return "attribute " + a.Name.Local + "=" + a.Value
				}
				if strings.ToLower(t.Name.Local) == "use" && strings.EqualFold(a.Name.Local, "href") && !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
					return "external use " + a.Value
				}
			}
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return "an entity declaration"
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return "processing instruction " + t.Target
			}
		}
	}
}
