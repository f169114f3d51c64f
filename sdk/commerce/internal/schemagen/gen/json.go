package gen

import "encoding/json"

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func marshal(v any) ([]byte, error) {
	if o, ok := v.(*Object); ok {
		return o.MarshalJSON()
	}
	return json.Marshal(v)
}
