/** An ECR image URI: `<account>.dkr.ecr.<region>.<domain>/<repository>[:tag|@digest]`. */
const ECR_IMAGE = /^(\d{12}\.dkr\.ecr\.)([a-z]{2}(?:-[a-z]+)+-\d+)(\.amazonaws\.com(?:\.cn)?\/.+)$/;

/**
 * The image a SageMaker model in `region` runs: the one named for that region in `perRegion`, else `image` with its ECR
 * region replaced by `region` (SageMaker pulls only from the model's own region, so the repository must be replicated
 * there, e.g. by ECR cross-region replication). An image that is not a literal ECR URI is used as it is.
 */
export function imageInRegion(image: string, region: string, perRegion: Readonly<Record<string, string>> = {}): string {
  const named = perRegion[region];
  if (named !== undefined) return named;
  const match = ECR_IMAGE.exec(image);
  return match === null ? image : `${match[1]}${region}${match[3]}`;
}
