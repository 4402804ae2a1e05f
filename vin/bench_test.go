package vin

import "testing"

// The batch checker judges a million VINs a run; these keep the valid path
// at zero allocations (go test -run x -bench . -benchtime=1s ./vin).

var (
	sinkErr  error
	sinkStr  string
	sinkInfo Info
)

func BenchmarkValidate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkErr = Validate("LRW3E7FA6NC123456")
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("normal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkStr = Normalize("LRW3E7FA6NC123456")
		}
	})
	b.Run("lower-case with spaces", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkStr = Normalize(" lrw3e7fa6nc123456 ")
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkInfo, sinkErr = Decode("LRW3E7FA6NC123456")
	}
}
