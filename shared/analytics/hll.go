package analytics

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"math/bits"
)

// HLL is a HyperLogLog sketch for approximate distinct counts (unique
// visitors, affected users).
//
// Precision p = 12: m = 4096 registers, so the standard error of Count is
// 1.04/sqrt(m) ≈ 1.63% (about 4.9% at three standard errors). Count uses
// Ertl's improved estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", 2017), which corrects the small-range bias that the
// classic estimator fixes with linear counting (it converges to linear
// counting m·ln(m/V) when most registers are empty) and needs no empirical
// bias tables. Values are hashed with 64-bit FNV-1a followed by the
// murmur3 finaliser, which is stable across processes, so stored sketches
// from different workers can be merged.
//
// MarshalBinary is compact: a sparse form (3 bytes per non-empty register)
// for small sets, else a dense form of 6-bit registers (3,074 bytes), always
// well under 16 KiB, fit for a DynamoDB binary attribute.
// The zero value is an empty sketch.
type HLL struct {
	reg []uint8 // m registers, each 0..q+1
}

const (
	hllP = 12
	hllM = 1 << hllP
	hllQ = 64 - hllP

	hllDense  = 1
	hllSparse = 2
)

// HLLStdError is the relative standard error of HLL.Count: 1.04/sqrt(m).
var HLLStdError = 1.04 / math.Sqrt(hllM)

// NewHLL returns an empty sketch.
func NewHLL() *HLL { return &HLL{reg: make([]uint8, hllM)} }

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	// murmur3 fmix64: FNV alone has weak avalanche in the high bits.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// Add records a value.
func (h *HLL) Add(s string) { h.addHash(hash64(s)) }

func (h *HLL) addHash(x uint64) {
	h.init()
	idx := x >> hllQ
	rho := uint8(bits.LeadingZeros64(x<<hllP|1<<(hllP-1))) + 1 // ≤ q+1
	if rho > h.reg[idx] {
		h.reg[idx] = rho
	}
}

// Merge folds other into h: h then estimates the union of both sets.
func (h *HLL) Merge(other *HLL) {
	if other == nil || other.reg == nil {
		return
	}
	h.init()
	for i, r := range other.reg {
		if r > h.reg[i] {
			h.reg[i] = r
		}
	}
}

func (h *HLL) init() {
	if h.reg == nil {
		h.reg = make([]uint8, hllM)
	}
}

// Clone returns an independent copy.
func (h *HLL) Clone() *HLL {
	return &HLL{reg: append([]uint8(nil), h.reg...)}
}

// Count estimates the number of distinct values added.
func (h *HLL) Count() uint64 {
	if h.reg == nil {
		return 0
	}
	var c [hllQ + 2]int
	for _, r := range h.reg {
		c[r]++
	}
	if c[0] == hllM {
		return 0
	}
	const m = float64(hllM)
	z := m * hllTau(1-float64(c[hllQ+1])/m)
	for k := hllQ; k >= 1; k-- {
		z = 0.5 * (z + float64(c[k]))
	}
	z += m * hllSigma(float64(c[0])/m)
	est := m * m / (2 * math.Ln2) / z
	return uint64(math.Round(est))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += x * y
		y += y
		if z == zp {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == zp {
			return z / 3
		}
	}
}

// MarshalBinary encodes the sketch: [format, p, payload]. The sparse payload
// is a sequence of (uint16 big-endian register index, uint8 value); the dense
// payload packs the m 6-bit registers into 3m/4 bytes.
func (h *HLL) MarshalBinary() ([]byte, error) {
	h.init()
	nz := 0
	for _, r := range h.reg {
		if r != 0 {
			nz++
		}
	}
	if 3*nz < hllM*6/8 {
		out := make([]byte, 2, 2+3*nz)
		out[0], out[1] = hllSparse, hllP
		for i, r := range h.reg {
			if r != 0 {
				out = binary.BigEndian.AppendUint16(out, uint16(i))
				out = append(out, r)
			}
		}
		return out, nil
	}
	out := make([]byte, 2+hllM*6/8)
	out[0], out[1] = hllDense, hllP
	p := out[2:]
	for i := 0; i < hllM; i += 4 {
		v := uint32(h.reg[i])<<18 | uint32(h.reg[i+1])<<12 | uint32(h.reg[i+2])<<6 | uint32(h.reg[i+3])
		j := i / 4 * 3
		p[j], p[j+1], p[j+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	return out, nil
}

var errHLL = errors.New("analytics: invalid HyperLogLog encoding")

// UnmarshalBinary decodes what MarshalBinary produced.
func (h *HLL) UnmarshalBinary(b []byte) error {
	if len(b) < 2 || b[1] != hllP {
		return errHLL
	}
	reg := make([]uint8, hllM)
	switch b[0] {
	case hllSparse:
		p := b[2:]
		if len(p)%3 != 0 {
			return errHLL
		}
		for i := 0; i < len(p); i += 3 {
			idx := binary.BigEndian.Uint16(p[i:])
			if int(idx) >= hllM || p[i+2] > hllQ+1 {
				return errHLL
			}
			reg[idx] = p[i+2]
		}
	case hllDense:
		p := b[2:]
		if len(p) != hllM*6/8 {
			return errHLL
		}
		for i := 0; i < hllM; i += 4 {
			j := i / 4 * 3
			v := uint32(p[j])<<16 | uint32(p[j+1])<<8 | uint32(p[j+2])
			for k := 0; k < 4; k++ {
				r := uint8(v >> (18 - 6*k) & 0x3f)
				if r > hllQ+1 {
					return errHLL
				}
				reg[i+k] = r
			}
		}
	default:
		return errHLL
	}
	h.reg = reg
	return nil
}

// MarshalJSON encodes the sketch as a base64 string of MarshalBinary.
func (h *HLL) MarshalJSON() ([]byte, error) {
	b, _ := h.MarshalBinary()
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON decodes what MarshalJSON produced.
func (h *HLL) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return errHLL
	}
	return h.UnmarshalBinary(b)
}
