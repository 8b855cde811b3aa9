// Verifies Smart API webhook signatures (X-Signature) with the Go standard library only.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

const tolerance = 5 * time.Minute

var errInvalidSignature = errors.New("invalid webhook signature")

// verify returns nil when header (X-Signature) signs body, the raw request bytes exactly as received.
func verify(secret, header string, body []byte, now time.Time) error {
	var version, timestamp string
	var signatures []string
	for _, part := range strings.Split(header, ";") {
		name, value, found := strings.Cut(part, "=")
		if !found {
			continue
		}
		switch value = strings.TrimSpace(value); strings.TrimSpace(name) {
		case "v":
			version = value
		case "t":
			timestamp = value
		case "sig":
			signatures = append(signatures, value)
		}
	}
	if version != "1" || len(signatures) == 0 {
		return fmt.Errorf("%w: malformed header", errInvalidSignature)
	}
	seconds, err := strconv.ParseUint(timestamp, 10, 63)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", errInvalidSignature)
	}
	// Too old (a replay) or too far in the future (a skewed clock).
	if age := now.Sub(time.Unix(int64(seconds), 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: timestamp outside the tolerance", errInvalidSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	expected := []byte(hex.EncodeToString(mac.Sum(nil)))
	// During a secret rotation there is one sig per active secret: any may be made with yours.
	for _, sig := range signatures {
		if hmac.Equal(expected, []byte(sig)) {
			return nil
		}
	}
	return fmt.Errorf("%w: no matching signature", errInvalidSignature)
}

// main checks a captured request: {"secret": ..., "header": ..., "body": ..., "now": ...} on stdin.
func main() {
	var request struct {
		Secret, Header, Body string
		Now                  *int64
	}
	if err := json.NewDecoder(os.Stdin).Decode(&request); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	now := time.Now()
	if request.Now != nil {
		now = time.Unix(*request.Now, 0)
	}
	if err := verify(request.Secret, request.Header, []byte(request.Body), now); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("valid")
}
