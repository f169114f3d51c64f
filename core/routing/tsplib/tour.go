package tsplib

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ParseTour reads a TSPLIB tour file and returns its first tour as 0-based
// node indices.
func ParseTour(r io.Reader) ([]int, error) {
	in, err := Parse(r)
	if err != nil {
		return nil, err
	}
	if in.Tour == nil {
		return nil, fmt.Errorf("tsplib: %s: no TOUR_SECTION", in.Name)
	}
	return in.Tour, nil
}

// ReadTourFile reads the TSPLIB tour file at path (0-based node indices).
func ReadTourFile(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tsplib: %w", err)
	}
	defer f.Close()
	t, err := ParseTour(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// WriteTour writes a closed tour of 0-based node indices as a TSPLIB TOUR
// file named name, with the length in the COMMENT.
func WriteTour(w io.Writer, name string, tour []int, length int64) error {
	bw := bufio.NewWriter(w)
	name = strings.NewReplacer("\n", " ", "\r", " ").Replace(name)
	fmt.Fprintf(bw, "NAME : %s\nCOMMENT : Length %d\nTYPE : TOUR\nDIMENSION : %d\nTOUR_SECTION\n", name, length, len(tour))
	for _, v := range tour {
		bw.WriteString(strconv.Itoa(v + 1))
		bw.WriteByte('\n')
	}
	bw.WriteString("-1\nEOF\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tsplib: write tour: %w", err)
	}
	return nil
}
