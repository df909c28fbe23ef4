export type Core = ReturnType<typeof import('../hosts/host').host>;
