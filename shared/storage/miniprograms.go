package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

type miniProgramItem struct {
	keys
	domain.MiniProgram
}

func (it miniProgramItem) miniProgram() domain.MiniProgram { return it.MiniProgram }

func miniProgramRecord(mp domain.MiniProgram) miniProgramItem {
	return miniProgramItem{keys: keys{PK: wsKey(mp.WorkspaceID), SK: mpSK(mp.ID),
		GSI1PK: wsMPsKey(mp.WorkspaceID), GSI1SK: timeKey(mp.CreatedAt, mp.ID)}, MiniProgram: mp}
}

// nameLock makes mini program names unique in a workspace.
type nameLock struct {
	keys
	MiniProgramID string `dynamodbav:"miniProgramId"`
}

func (s *Store) nameLock(mp domain.MiniProgram) (cond, error) {
	return s.put(nameLock{keys: keys{PK: wsKey(mp.WorkspaceID), SK: mpNameSK(domain.NameKey(mp.Name))}, MiniProgramID: mp.ID},
		notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "a mini program named %q already exists in this workspace", mp.Name))
}

// CreateMiniProgram stores a new mini program; ErrConflict if its name is taken.
func (s *Store) CreateMiniProgram(ctx context.Context, mp domain.MiniProgram) error {
	w, err := s.put(miniProgramRecord(mp), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "mini program exists"))
	if err != nil {
		return err
	}
	lock, err := s.nameLock(mp)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock, s.exists(wsKey(mp.WorkspaceID), skMeta))
}

// GetMiniProgram reads a mini program of a workspace.
func (s *Store) GetMiniProgram(ctx context.Context, ws, id string) (domain.MiniProgram, error) {
	return Get(ctx, s, MiniProgramRef(ws, id))
}

// ListMiniPrograms lists a workspace's mini programs by creation time.
func (s *Store) ListMiniPrograms(ctx context.Context, ws string, newestFirst bool, limit int, cursor string) (Page[domain.MiniProgram], error) {
	return queryPage(ctx, s, query{index: "gsi1", pk: wsMPsKey(ws), limit: limit, cursor: cursor, desc: newestFirst}, miniProgramItem.miniProgram)
}

// MiniProgramRef is a mini program of workspace ws. An update writes the
// editable fields, moving the name lock when the name changes. It sets only
// those fields, so uploads (which move the latest version) are never undone.
func MiniProgramRef(ws, id string) Ref[domain.MiniProgram] {
	return ref(wsKey(ws), mpSK(id), miniProgramItem.miniProgram, func(mp domain.MiniProgram) int { return mp.Version }, updateMiniProgram)
}

func updateMiniProgram(s *Store, before, after domain.MiniProgram) ([]cond, error) {
	c, names, values := versionIs(before.Version)
	names["#name"] = "name"
	values[":name"], values[":description"], values[":category"] = str(after.Name), str(after.Description), str(after.Category)
	values[":icon"], values[":updatedAt"], values[":version"] = str(after.Icon), str(timeValue(after.UpdatedAt)), num(after.Version)
	writes := []cond{s.update(wsKey(before.WorkspaceID), mpSK(before.ID),
		"SET #name = :name, description = :description, category = :category, icon = :icon, updatedAt = :updatedAt, #version = :version",
		c, names, values, domain.ErrStale)}
	if domain.NameKey(before.Name) != domain.NameKey(after.Name) {
		lock, err := s.nameLock(after)
		if err != nil {
			return nil, err
		}
		writes = append(writes, lock, s.del(wsKey(before.WorkspaceID), mpNameSK(domain.NameKey(before.Name)), "", nil, nil, nil))
	}
	return writes, nil
}

type versionItem struct {
	keys
	domain.PackageVersion
}

func (it versionItem) version() domain.PackageVersion {
	v := it.PackageVersion
	if v.ReportJSON != "" {
		v.Report = []byte(v.ReportJSON)
	}
	return v
}

func versionRecord(v domain.PackageVersion) (versionItem, error) {
	sv, err := domain.ParseSemver(v.Version)
	if err != nil {
		return versionItem{}, err
	}
	v.ReportJSON = string(v.Report)
	return versionItem{keys: keys{PK: mpKey(v.MiniProgramID), SK: versionSK(sv.Key())}, PackageVersion: v}, nil
}

// StartUpload stores a new version in uploading and makes it the mini program's
// latest, atomically: ErrConflict unless it is strictly greater than every
// version uploaded before.
func (s *Store) StartUpload(ctx context.Context, mp domain.MiniProgram, v domain.PackageVersion) error {
	sv, err := domain.ParseSemver(v.Version)
	if err != nil {
		return err
	}
	rec, err := versionRecord(v)
	if err != nil {
		return err
	}
	w, err := s.put(rec, notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "version %s was already uploaded", v.Version))
	if err != nil {
		return err
	}
	latest := mp.LatestVersion
	if latest == "" {
		latest = "none"
	}
	return s.transact(ctx, "", w, s.update(wsKey(mp.WorkspaceID), mpSK(mp.ID),
		"SET latestVersion = :v, latestKey = :k", "attribute_exists(pk) AND (attribute_not_exists(latestKey) OR latestKey < :k)", nil,
		map[string]types.AttributeValue{":v": str(v.Version), ":k": str(sv.Key())},
		domain.Errorf(domain.ErrConflict, "version %s must be greater than the latest uploaded version (%s)", v.Version, latest)))
}

// GetVersion reads a version of a mini program.
func (s *Store) GetVersion(ctx context.Context, mp, version string) (domain.PackageVersion, error) {
	sv, err := domain.ParseSemver(version)
	if err != nil {
		return domain.PackageVersion{}, domain.ErrNotFound
	}
	var it versionItem
	if err := s.get(ctx, mpKey(mp), versionSK(sv.Key()), &it); err != nil {
		return domain.PackageVersion{}, err
	}
	return it.version(), nil
}

// ListVersions lists a mini program's versions, highest first.
func (s *Store) ListVersions(ctx context.Context, mp string, limit int, cursor string) (Page[domain.PackageVersion], error) {
	return queryPage(ctx, s, query{pk: mpKey(mp), prefix: "VER#", limit: limit, cursor: cursor, desc: true}, versionItem.version)
}

var errVersionMoved = domain.Errorf(domain.ErrConflict, "the version changed meanwhile")

// PutVersion replaces a version if it is still at before's revision and not final:
// final states never flip, whatever order events arrive in.
func (s *Store) PutVersion(ctx context.Context, before, after domain.PackageVersion) error {
	rec, err := versionRecord(after)
	if err != nil {
		return err
	}
	w, err := s.put(rec, "revision = :rev AND #status IN (:uploading, :processing)", map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":rev": num(before.Revision), ":uploading": str(string(domain.VersionUploading)),
			":processing": str(string(domain.VersionProcessing))}, errVersionMoved)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}
