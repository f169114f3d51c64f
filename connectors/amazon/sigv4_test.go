package amazon

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignV4Vectors checks the signer against AWS's Signature Version 4
// test suite (get-vanilla, get-vanilla-query-order-key-case, post-vanilla).
func TestSignV4Vectors(t *testing.T) {
	t.Parallel()
	cred := awsCredentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	cases := []struct {
		name, method, url, sig string
	}{
		{"get-vanilla", "GET", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"post-vanilla", "POST", "https://example.amazonaws.com/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			signV4(req, nil, cred, "us-east-1", "service", at)
			want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + tc.sig
			if got := req.Header.Get("Authorization"); got != want {
				t.Fatalf("Authorization\n got %s\nwant %s", got, want)
			}
		})
	}
	req, _ := http.NewRequest("POST", "https://sqs.eu-west-1.amazonaws.com/", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	signV4(req, []byte("{}"), awsCredentials{"AKID", "secret", "session"}, "eu-west-1", "sqs", at)
	if got := req.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token") {
		t.Fatalf("a session token and the content type must be signed: %s", got)
	}
}
