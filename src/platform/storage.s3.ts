// The blob store on an S3-compatible bucket (AWS S3, Garage, SeaweedFS, Ceph RGW, ...). Like the file
// store it only ever sees opaque, already-encrypted bytes under random keys (document-storage.ts
// encrypts in the process before put): the bucket never holds a readable document, whatever the
// bucket's own encryption settings. Objects live at <prefix>/<key>.
//
// There are deliberately no presigned URLs: a presigned URL is a bearer link that cannot be revoked,
// watermarked or audited; documents are served only through the watermarking view endpoint.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { AppError } from './errors.ts';
import { assertKey, BLOB_KEY, type BlobStore } from './storage.ts';

export interface S3StoreOptions {
  bucket: string;
  /** key prefix without leading or trailing slash; '' for the bucket root */
  prefix: string;
  /** AWS_ENDPOINT_URL_S3: an S3-compatible server; unset = AWS S3 */
  endpoint?: string;
  /** AWS_REGION; defaults to us-east-1 when an endpoint is set (S3-compatible servers rarely care) */
  region?: string;
  /** S3_FORCE_PATH_STYLE: http://host/bucket/key instead of http://bucket.host/key */
  forcePathStyle?: boolean;
  /** explicit credentials; unset = the SDK's default chain (env, shared files, instance/task role) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** per-attempt limits; the SDK retries 3 times with backoff */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (e: unknown) => (e as SdkError)?.$metadata?.httpStatusCode;
const isMissing = (e: unknown) =>
  statusOf(e) === 404 || ['NoSuchKey', 'NotFound'].includes((e as SdkError)?.name ?? '');

/**
 * Storage that cannot be reached, answers 5xx, or refuses our credentials is a dependency outage
 * (503 with the error shape), never a 500 and never a half-written upload: the caller's row is only
 * written after put resolved. The message names the operation, never the key or the bucket.
 */
function outage(op: string, e: unknown): AppError {
  const status = statusOf(e);
  const why = status ? `HTTP ${status}` : ((e as SdkError)?.code ?? (e as SdkError)?.name ?? 'error');
  const err = new AppError('DEPENDENCY.UNAVAILABLE', 'Document storage is unavailable; try again shortly.', {
    dependency: 'storage',
    operation: op,
  });
  // for logs only (the response carries code, message and details): what the SDK saw
  (err as Error & { cause?: unknown }).cause = `${op}: ${why}`;
  return err;
}

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
    const config: S3ClientConfig = {
      region: opts.region ?? (opts.endpoint ? 'us-east-1' : undefined),
      forcePathStyle: opts.forcePathStyle ?? false,
      maxAttempts: opts.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
        requestTimeout: opts.requestTimeoutMs ?? 60_000,
      },
    };
    if (opts.endpoint) {
      config.endpoint = opts.endpoint;
      // The SDK's default CRC32 checksums and aws-chunked uploads are mishandled by several
      // S3-compatible servers (s3rver stores the chunk framing with the body). Only when required.
      config.requestChecksumCalculation = 'WHEN_REQUIRED';
      config.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    if (opts.credentials) config.credentials = opts.credentials;
    this.client = new S3Client(config);
  }

  private objectKey(key: string): string {
    assertKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** A single PUT is atomic on S3: readers see the old object, the whole new one, or nothing. */
  async put(key: string, bytes: Buffer): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
        }),
      );
    } catch (e) {
      throw outage('put', e);
    }
  }

  async get(key: string): Promise<Buffer> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!out.Body) throw new AppError('NOT_FOUND', 'Blob not found', { key });
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (isMissing(e)) throw new AppError('NOT_FOUND', 'Blob not found', { key });
      throw outage('get', e);
    }
  }

  /** S3 answers 204 for a missing key too, so a retried purge is a no-op. */
  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      if (isMissing(e)) return;
      throw outage('delete', e);
    }
  }

  private async head(key: string): Promise<Date | null> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return out.LastModified ?? new Date(0);
    } catch (e) {
      if (isMissing(e)) return null;
      throw outage('head', e);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  async writtenAt(key: string): Promise<Date | null> {
    return this.head(key);
  }

  /** Every key under the prefix (1,000 per page); objects that are not blob keys are skipped. */
  async *list(): AsyncIterable<string> {
    const Prefix = this.prefix ? `${this.prefix}/` : '';
    let ContinuationToken: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: 1000 }),
        );
      } catch (e) {
        throw outage('list', e);
      }
      for (const o of page.Contents ?? []) {
        const name = (o.Key ?? '').slice(Prefix.length);
        if (BLOB_KEY.test(name)) yield name;
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  close(): void {
    this.client.destroy();
  }
}
