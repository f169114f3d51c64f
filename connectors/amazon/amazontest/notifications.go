package amazontest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// NotificationsScope is the scope of grantless tokens for the
// Notifications API (client_credentials grant).
const NotificationsScope = "sellingpartnerapi::notifications"

// grantlessScopes are the scopes the token endpoint grants with
// client_credentials.
var grantlessScopes = map[string]bool{NotificationsScope: true, "sellingpartnerapi::client_credential:rotation": true}

// grantlessOps need a grantless token; every other operation needs the
// seller's.
var grantlessOps = map[string]bool{
	"v1/getDestinations": true, "v1/createDestination": true, "v1/getDestination": true, "v1/deleteDestination": true,
	"v1/getSubscriptionById": true, "v1/deleteSubscriptionById": true,
}

// payloadVersions are the payload versions the fake accepts per
// notification type; sqsTypes can go to SQS destinations (the others only
// to EventBridge).
var payloadVersions = map[string]string{
	"ORDER_CHANGE": "1.0", "FBA_INVENTORY_AVAILABILITY_CHANGES": "1.0", "ANY_OFFER_CHANGED": "1.0",
	"REPORT_PROCESSING_FINISHED": "2020-09-04", "LISTINGS_ITEM_MFN_QUANTITY_CHANGE": "1.0",
}

var eventBridgeOnly = map[string]bool{"LISTINGS_ITEM_MFN_QUANTITY_CHANGE": true}

var sqsARNRE = regexp.MustCompile(`^arn:aws:sqs:\S+:\S+:\S+`)

// Destination is a Notifications API destination of the app.
type Destination struct {
	ID, Name, ARN string
}

// Subscription is the seller's subscription to a notification type.
type Subscription struct {
	ID, PayloadVersion, DestinationID string
}

// refusal is how createSubscription refuses a type.
type refusal struct {
	status        int
	code, message string
}

// notifState is the Notifications API's state: the app's destinations and
// the seller's subscriptions per type. Guarded by Server.mu.
type notifState struct {
	dests   []Destination
	subs    map[string]Subscription
	refuse  map[string]refusal
	counter int
}

func (n *notifState) nextID(prefix string) string {
	n.counter++
	return fmt.Sprintf("%s-%04d-11e9-8848-1681be663d3e", prefix, n.counter)
}

// AddDestination creates a destination for an SQS queue ARN, as another
// tool or an older setup would have, and returns its id.
func (s *Server) AddDestination(name, arn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := Destination{ID: s.notif.nextID("dest"), Name: name, ARN: arn}
	s.notif.dests = append(s.notif.dests, d)
	return d.ID
}

// Subscribe subscribes the seller to a notification type at a destination
// (no checks), replacing any subscription of the type, and returns its id.
func (s *Server) Subscribe(notificationType, destinationID, payloadVersion string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := Subscription{ID: s.notif.nextID("sub"), PayloadVersion: payloadVersion, DestinationID: destinationID}
	s.notif.subs[notificationType] = sub
	return sub.ID
}

// Destinations returns the app's destinations.
func (s *Server) Destinations() []Destination {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Destination(nil), s.notif.dests...)
}

// Subscriptions returns the seller's subscriptions by notification type.
func (s *Server) Subscriptions() map[string]Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Subscription, len(s.notif.subs))
	for k, v := range s.notif.subs {
		out[k] = v
	}
	return out
}

// RefuseSubscription makes createSubscription of a notification type
// answer status with the SP-API error code and message, e.g. 403
// Unauthorized when the app lacks the role the type needs. Status 0
// removes the refusal.
func (s *Server) RefuseSubscription(notificationType string, status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.notif.refuse, notificationType)
		return
	}
	s.notif.refuse[notificationType] = refusal{status, code, message}
}

// subscribedLocked reports whether a notification type is subscribed to a
// destination of the fake's queue.
func (s *Server) subscribedLocked(notificationType string) bool {
	sub, ok := s.notif.subs[notificationType]
	if !ok {
		return false
	}
	for _, d := range s.notif.dests {
		if d.ID == sub.DestinationID {
			return d.ARN == s.QueueARN
		}
	}
	return false
}

func destinationJSON(d Destination) map[string]any {
	return map[string]any{"destinationId": d.ID, "name": d.Name, "resource": map[string]any{"sqs": map[string]any{"arn": d.ARN}}}
}

func subscriptionJSON(sub Subscription) map[string]any {
	return map[string]any{"subscriptionId": sub.ID, "payloadVersion": sub.PayloadVersion, "destinationId": sub.DestinationID}
}

func (s *Server) getDestinations(w http.ResponseWriter, _ *http.Request, _ []string) {
	s.mu.Lock()
	out := make([]map[string]any, 0, len(s.notif.dests))
	for _, d := range s.notif.dests {
		out = append(out, destinationJSON(d))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"payload": out})
}

func (s *Server) createDestination(w http.ResponseWriter, r *http.Request, _ []string) {
	var body struct {
		Name                  string `json:"name"`
		ResourceSpecification struct {
			SQS *struct {
				ARN string `json:"arn"`
			} `json:"sqs"`
			EventBridge json.RawMessage `json:"eventBridge"`
		} `json:"resourceSpecification"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "Could not parse the request body.", err.Error())
		return
	}
	spec := body.ResourceSpecification
	switch {
	case body.Name == "":
		apiError(w, http.StatusBadRequest, "InvalidInput", "name is required.", "")
		return
	case spec.SQS == nil && spec.EventBridge != nil:
		apiError(w, http.StatusBadRequest, "InvalidInput", "The fake only serves SQS destinations.", "")
		return
	case spec.SQS == nil || !sqsARNRE.MatchString(spec.SQS.ARN):
		apiError(w, http.StatusBadRequest, "InvalidInput", "resourceSpecification.sqs.arn must be an SQS queue ARN.", "")
		return
	}
	s.mu.Lock()
	for _, d := range s.notif.dests {
		if d.ARN == spec.SQS.ARN {
			s.mu.Unlock()
			apiError(w, http.StatusConflict, "Conflict", "A destination for this resource already exists.", "destinationId "+d.ID)
			return
		}
	}
	d := Destination{ID: s.notif.nextID("dest"), Name: body.Name, ARN: spec.SQS.ARN}
	s.notif.dests = append(s.notif.dests, d)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"payload": destinationJSON(d)})
}

func knownType(w http.ResponseWriter, t string) bool {
	if _, ok := payloadVersions[t]; ok {
		return true
	}
	types := make([]string, 0, len(payloadVersions))
	for k := range payloadVersions {
		types = append(types, k)
	}
	sort.Strings(types)
	apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid notificationType "+t+".", "The fake knows "+strings.Join(types, ", "))
	return false
}

func (s *Server) getSubscription(w http.ResponseWriter, _ *http.Request, m []string) {
	if !knownType(w, m[1]) {
		return
	}
	s.mu.Lock()
	sub, ok := s.notif.subs[m[1]]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "NotFound", "The resource specified does not exist.", "No subscription for notificationType "+m[1])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": subscriptionJSON(sub)})
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, m []string) {
	t := m[1]
	if !knownType(w, t) {
		return
	}
	var body struct {
		PayloadVersion string `json:"payloadVersion"`
		DestinationID  string `json:"destinationId"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "Could not parse the request body.", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rf, ok := s.notif.refuse[t]; ok {
		apiError(w, rf.status, rf.code, rf.message, "")
		return
	}
	var dest *Destination
	for i := range s.notif.dests {
		if s.notif.dests[i].ID == body.DestinationID {
			dest = &s.notif.dests[i]
		}
	}
	switch {
	case body.PayloadVersion != payloadVersions[t]:
		apiError(w, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid payloadVersion %q for %s.", body.PayloadVersion, t), "Use "+payloadVersions[t])
	case dest == nil:
		apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid destinationId "+body.DestinationID+".", "")
	case eventBridgeOnly[t]:
		apiError(w, http.StatusBadRequest, "InvalidInput", t+" notifications can only be delivered to an EventBridge destination.", "")
	default:
		if _, ok := s.notif.subs[t]; ok {
			apiError(w, http.StatusConflict, "Conflict", "A subscription for "+t+" already exists.", "")
			return
		}
		sub := Subscription{ID: s.notif.nextID("sub"), PayloadVersion: body.PayloadVersion, DestinationID: dest.ID}
		s.notif.subs[t] = sub
		writeJSON(w, http.StatusOK, map[string]any{"payload": subscriptionJSON(sub)})
	}
}

func (s *Server) deleteSubscriptionByID(w http.ResponseWriter, _ *http.Request, m []string) {
	if !knownType(w, m[1]) {
		return
	}
	s.mu.Lock()
	sub, ok := s.notif.subs[m[1]]
	if ok && sub.ID == m[2] {
		delete(s.notif.subs, m[1])
	}
	s.mu.Unlock()
	if !ok || sub.ID != m[2] {
		apiError(w, http.StatusNotFound, "NotFound", "The resource specified does not exist.", "No subscription "+m[2]+" for "+m[1])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
