/** The rocksdb package ships no types; the adapter declares the shape it uses. */
declare module 'rocksdb' {
  const rocksdb: unknown
  export default rocksdb
}
