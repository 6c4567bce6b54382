/**
 * Opening a table file for a synchronous read of its tail, shared by `Table.openSync` and
 * `TableScan.openSync`.
 */
import { type FileSystem, toIOError } from '@strata/base'

/**
 * Opens `path` read-only and calls `read` with the descriptor and the file's size. If `read`
 * (or the size lookup) throws, the descriptor is closed and that error is thrown; otherwise the
 * descriptor belongs to what `read` returns. Open and stat failures are `IOError`s naming the
 * path.
 */
export function withTableFileSync<T>(fs: FileSystem, path: string, read: (fd: number, size: number) => T): T {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch (error) {
    throw toIOError(error, 'opening SSTable', path)
  }
  try {
    let size: number
    try {
      size = fs.fstatSync(fd).size
    } catch (error) {
      throw toIOError(error, 'reading the size of SSTable', path)
    }
    return read(fd, size)
  } catch (error) {
    try {
      fs.closeSync(fd)
    } catch {
      // Reporting the open failure matters more than a failed close.
    }
    throw error
  }
}
