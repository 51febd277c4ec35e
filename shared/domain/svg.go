package domain

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SVG logos and favicons are kept (vector logos are what brands have), but
// only as pictures: svgProblem reads the whole document with a real XML
// tokenizer and refuses everything through which an SVG opened as a document
// can run script or pull in other content. What is left is drawn the same
// in an <img> and as a page. Downloads are served as attachments besides
// (see bucket.PresignGet), so a browser never renders an uploaded file as
// a page of the bucket's origin anyway.

// svgForbidden are the elements refused whatever their namespace: script,
// HTML embedded through foreignObject, SMIL animation (set and animate* can
// rewrite href to a javascript: URL after the checks), SVG Tiny's event
// handler elements, and HTML's embedding elements.
var svgForbidden = map[string]string{
	"script":           "a <script> element",
	"foreignobject":    "a <foreignObject> element (HTML inside SVG)",
	"set":              "an animation element <set> (it can change links after loading)",
	"animate":          "an animation element <animate> (it can change links after loading)",
	"animatemotion":    "an animation element <animateMotion>",
	"animatetransform": "an animation element <animateTransform>",
	"animatecolor":     "an animation element <animateColor>",
	"handler":          "an event <handler> element",
	"listener":         "an event <listener> element",
	"iframe":           "an <iframe> element",
	"embed":            "an <embed> element",
	"object":           "an <object> element",
}

// Namespaces whose elements are never part of a picture.
var svgForeignNamespaces = map[string]bool{
	"http://www.w3.org/1999/xhtml":       true,
	"http://www.w3.org/1998/Math/MathML": true,
}

// svgLinkAttributes hold URLs.
var svgLinkAttributes = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "from": true, "to": true, "values": true, "by": true}

// svgProblem says what in an SVG document could run script or load other
// content, or returns "" when there is nothing.
func svgProblem(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // no entities but XML's five, every element closed
	var stack []string
	root := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root {
				return "is not an SVG document (no <svg> element)"
			}
			return ""
		}
		if err != nil {
			return fmt.Sprintf("is not a well-formed UTF-8 XML document (%v)", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			local := strings.ToLower(t.Name.Local)
			switch {
			case root && local != "svg":
				return fmt.Sprintf("starts with a <%s> element, not <svg>", t.Name.Local)
			case svgForbidden[local] != "":
				return "is an SVG with " + svgForbidden[local] + "; scripts and active content are not allowed"
			case svgForeignNamespaces[t.Name.Space]:
				return fmt.Sprintf("is an SVG with a <%s> element of the namespace %s; only SVG elements are allowed", t.Name.Local, t.Name.Space)
			}
			root = false
			stack = append(stack, local)
			for _, a := range t.Attr {
				if why := svgAttrProblem(local, a); why != "" {
					return "is an SVG with " + why + "; scripts and active content are not allowed"
				}
			}
		case xml.EndElement:
			stack = stack[:max(0, len(stack)-1)]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				if why := cssProblem(string(t)); why != "" {
					return "is an SVG with a <style> element that " + why
				}
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Sprintf("is an SVG with the processing instruction <?%s?> (it can load a style sheet); only the XML declaration is allowed", t.Target)
			}
		case xml.Directive:
			// A plain <!DOCTYPE svg PUBLIC ...>, as editors write, is fine; an
			// internal subset can declare entities (billion laughs, external
			// files).
			if bytes.ContainsAny(t, "[<") || bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return "is an SVG whose DOCTYPE declares entities; remove the DOCTYPE"
			}
		}
	}
}

// svgAttrProblem checks one attribute of the element local.
func svgAttrProblem(local string, a xml.Attr) string {
	name := strings.ToLower(a.Name.Local)
	url := urlScheme(a.Value)
	switch {
	case strings.HasPrefix(name, "on"):
		return fmt.Sprintf("the event handler attribute %s", a.Name.Local)
	case strings.Contains(url, "javascript:") || strings.Contains(url, "vbscript:"):
		return fmt.Sprintf("a script URL in the attribute %s", a.Name.Local)
	case name == "style":
		if why := cssProblem(a.Value); why != "" {
			return "a style attribute that " + why
		}
	case !svgLinkAttributes[name]:
	case local == "use" && !strings.HasPrefix(strings.TrimSpace(a.Value), "#"):
		return fmt.Sprintf("a <use> of %q outside the document", a.Value)
	case strings.HasPrefix(url, "data:") && !(local == "image" && isRasterDataURL(url)):
		return fmt.Sprintf("a data: URL in the attribute %s of <%s> (only raster images may be embedded, in <image>)", a.Name.Local, local)
	}
	return ""
}

// urlScheme is the value as a browser reads a URL's scheme: lower case,
// without the whitespace and control characters it skips ("java\tscript:").
func urlScheme(v string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, v)
}

// isRasterDataURL reports whether a normalised data: URL holds a raster image.
func isRasterDataURL(url string) bool {
	for _, t := range []string{"data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp"} {
		if strings.HasPrefix(url, t+";") || strings.HasPrefix(url, t+",") {
			return true
		}
	}
	return false
}

// cssProblem finds what in a style sheet or style attribute loads code or
// other documents.
func cssProblem(css string) string {
	s := urlScheme(strings.ReplaceAll(css, "\\", ""))
	switch {
	case strings.Contains(s, "javascript:") || strings.Contains(s, "vbscript:"):
		return "holds a script URL"
	case strings.Contains(s, "@import"):
		return "imports another style sheet"
	case strings.Contains(s, "expression("), strings.Contains(s, "-moz-binding"), strings.Contains(s, "behavior:"):
		return "holds a script expression"
	}
	return ""
}
