/** etag is the ETag the API gives an entity of this version (httpapi.ETag), for If-Match on list rows. */
export const etag = (version: number) => `"v${version}"`;
