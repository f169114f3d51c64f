// Package recommend learns "frequently bought together" and "customers like
// you also bought" recommendations from a merchant's own order history.
//
// It is for the gateway (which feeds it order.upserted events and serves
// GET /v1/recommendations) and for the "supplyhub recommend" command, which
// runs it offline on an orders CSV. Start with [Build] (or [New] and
// [Model.Upsert]) over [Basket] values made with [FromOrder] or
// [ReadOrdersCSV]; then ask [Model.ForItem], [Model.ForCustomer],
// [Model.Popular] or, for a cart or an explicit method, [Model.Recommend].
// [Evaluate] compares the methods with leave-last-order-out hit rate,
// precision and coverage; [Model.Save] and [Load] persist a model.
//
// # Methods
//
// [Popularity] ranks items by the number of orders that contain them.
// [Lift] and [Cosine] score item pairs by how often they share an order
// (basket co-purchase), [ItemKNN] by how often the same customers bought
// both (across orders), and [UserKNN] finds the customers whose purchases
// overlap most with one customer's and recommends what they bought. Every
// pair similarity is shrunk by n/(n+λ), n being the pair's support, so that
// two rare items seen together once do not outrank a well-supported pair.
//
// # Cold start
//
// A SKU with too few orders falls back to what is bought with its catalogue
// category, then its vendor, then the best sellers; a customer without
// history gets the best sellers; a model with too few orders gets the best
// sellers. Each [Result] says which fallback was used and carries a
// [Notice] with a message for people.
//
// # Concurrency
//
// A [Model] is safe for any number of concurrent readers and writers:
// writes ([Model.Upsert], [Model.Remove], [Model.SetCatalog]) take an
// exclusive lock and apply exact count updates in time proportional to the
// order's size, queries take a shared lock and never block one another.
package recommend
